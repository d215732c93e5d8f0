namespace CnnVis.Training.Loop;

/// <summary>The learning rate at a step: linear warm-up, then constant, step decay, or cosine annealing.</summary>
public sealed class LearningRateSchedule(TrainingOptions options, int stepsPerEpoch)
{
    private readonly long _totalSteps = (long)options.Epochs * stepsPerEpoch;

    /// <summary>The rate for optimizer step <paramref name="step"/> (0-based).</summary>
    public double At(long step)
    {
        var lr = options.LearningRate;
        if (options.WarmupSteps > 0 && step < options.WarmupSteps) return lr * (step + 1) / options.WarmupSteps;
        switch (options.Schedule)
        {
            case "step":
            {
                var epoch = stepsPerEpoch > 0 ? step / stepsPerEpoch : 0;
                return lr * Math.Pow(options.StepGamma, epoch / Math.Max(1, options.StepEpochs));
            }
            case "cosine":
            {
                var span = Math.Max(1, _totalSteps - options.WarmupSteps);
                var t = Math.Clamp((double)(step - options.WarmupSteps) / span, 0, 1);
                return lr * 0.5 * (1 + Math.Cos(Math.PI * t));
            }
            default:
                return lr;
        }
    }
}
