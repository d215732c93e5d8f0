namespace CnnVis.Training.Loop;

public enum TrainingStatus
{
    Completed,
    Cancelled,
    Diverged,
    CallbackFailed,
}
