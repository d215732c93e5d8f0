namespace CnnVis.Training.Loop;

/// <summary>
/// Watches (and may stop) a training run. Override what you need; any number compose, called in order.
/// An exception thrown here stops training cleanly and is reported with <see cref="Name"/>.
/// </summary>
public abstract class TrainingCallback
{
    public virtual string Name => GetType().Name;

    public virtual void OnTrainBegin(TrainingContext context) { }

    public virtual void OnEpochBegin(TrainingContext context, int epoch) { }

    public virtual void OnBatchEnd(TrainingContext context, BatchEnd batch) { }

    public virtual void OnEvaluationEnd(TrainingContext context, Evaluation evaluation) { }

    public virtual void OnEpochEnd(TrainingContext context, EpochSummary summary) { }

    public virtual void OnCheckpointSaved(TrainingContext context, CheckpointInfo checkpoint) { }

    public virtual void OnTrainEnd(TrainingContext context, TrainingOutcome outcome) { }
}
