namespace CnnVis.Training.Trainer;

public enum TrainingStatus
{
    Completed,
    Cancelled,
    Diverged,
    CallbackFailed,
}
