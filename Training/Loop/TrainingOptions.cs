using CnnVis.Training.Data;

namespace CnnVis.Training.Loop;

/// <summary>Everything that defines a training run; stored with every checkpoint so a run can be resumed.</summary>
public sealed record TrainingOptions
{
    public string Dataset { get; init; } = "fashion-mnist";
    public string Model { get; init; } = "fashionnet";
    public int Epochs { get; init; } = 3;
    public string Optimizer { get; init; } = "adam";
    public double LearningRate { get; init; } = 1e-3;
    public double Momentum { get; init; } = 0.9;
    public bool Nesterov { get; init; }
    public double WeightDecay { get; init; }
    public int BatchSize { get; init; } = 128;
    public long Seed { get; init; }
    public string Schedule { get; init; } = "none";
    public int WarmupSteps { get; init; }
    public int StepEpochs { get; init; } = 1;
    public double StepGamma { get; init; } = 0.1;
    public double LabelSmoothing { get; init; }
    /// <summary>Use at most this many training images (0 = all): for quick runs and the test suite.</summary>
    public int TrainLimit { get; init; }
    /// <summary>Evaluate on at most this many validation images (0 = all).</summary>
    public int ValidationLimit { get; init; }
    public int Threads { get; init; } = Environment.ProcessorCount;
    public int RandomCropPadding { get; init; }
    public bool HorizontalFlip { get; init; }
    /// <summary>Run convolutions in channels-last (NHWC) layout, which oneDNN executes faster on CPU; results are the same.</summary>
    public bool ChannelsLast { get; init; } = true;
    /// <summary>Where checkpoints go; null keeps nothing on disk.</summary>
    public string? OutputDirectory { get; init; }

    public static IReadOnlyList<string> Optimizers { get; } = new[] { "adam", "adamw", "sgd" };
    public static IReadOnlyList<string> Schedules { get; } = new[] { "none", "step", "cosine" };

    /// <summary>Checks every value, naming the first bad one.</summary>
    public void Validate()
    {
        if (Epochs <= 0) throw new ArgumentException($"--epochs must be positive, got {Epochs}");
        if (BatchSize <= 0) throw new ArgumentException($"--batch-size must be positive, got {BatchSize}");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new ArgumentException($"--lr must be a positive number, got {LearningRate}");
        if (!Optimizers.Contains(Optimizer)) throw new ArgumentException($"unknown optimizer '{Optimizer}'. Known optimizers: {string.Join(", ", Optimizers)}");
        if (!Schedules.Contains(Schedule)) throw new ArgumentException($"unknown schedule '{Schedule}'. Known schedules: {string.Join(", ", Schedules)}");
        if (Threads <= 0) throw new ArgumentException($"--threads must be positive, got {Threads}");
        if (TrainLimit < 0 || ValidationLimit < 0) throw new ArgumentException("--train-limit and --validation-limit must not be negative");
        if (WarmupSteps < 0) throw new ArgumentException($"--warmup-steps must not be negative, got {WarmupSteps}");
        if (LabelSmoothing < 0 || LabelSmoothing >= 1) throw new ArgumentException($"--label-smoothing must be in [0, 1), got {LabelSmoothing}");
        if (WeightDecay < 0) throw new ArgumentException($"--weight-decay must not be negative, got {WeightDecay}");
    }

    internal Augmentation? Augmentation =>
        RandomCropPadding > 0 || HorizontalFlip ? new Augmentation(RandomCropPadding, HorizontalFlip) : null;
}
