using System.Globalization;
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
    /// <summary>
    /// For a model with a pretrained backbone (resnet18-imagenet): what trains below its new head, "none" (the
    /// backbone is frozen) or "layer4" (its last stage learns too).
    /// </summary>
    public string FineTune { get; init; } = "none";
    /// <summary>Where checkpoints go; null keeps nothing on disk.</summary>
    public string? OutputDirectory { get; init; }

    public static IReadOnlyList<string> Optimizers { get; } = new[] { "adam", "adamw", "sgd" };
    public static IReadOnlyList<string> Schedules { get; } = new[] { "none", "step", "cosine" };

    /// <summary>The most CPU threads a run may ask for: far beyond any CPU's cores, yet fast to start.</summary>
    public const int MaxThreads = 256;

    /// <summary>
    /// The largest learning rate: the optimizers scale it (Adam by up to 10x at its first step) into 32-bit
    /// arithmetic, and no useful rate comes near it.
    /// </summary>
    public const double MaxLearningRate = 1e6;

    // How each option is named to a user: the command line's name where it has one, the stored field's otherwise.
    private static readonly Dictionary<string, string> s_cliNames = new()
    {
        [nameof(Dataset)] = "--dataset", [nameof(Model)] = "--model", [nameof(Epochs)] = "--epochs", [nameof(Optimizer)] = "--optimizer",
        [nameof(LearningRate)] = "--lr", [nameof(Momentum)] = "--momentum", [nameof(Nesterov)] = "--nesterov",
        [nameof(WeightDecay)] = "--weight-decay", [nameof(BatchSize)] = "--batch-size", [nameof(Seed)] = "--seed",
        [nameof(Schedule)] = "--schedule", [nameof(WarmupSteps)] = "--warmup-steps", [nameof(LabelSmoothing)] = "--label-smoothing",
        [nameof(TrainLimit)] = "--train-limit", [nameof(ValidationLimit)] = "--validation-limit", [nameof(Threads)] = "--threads",
        [nameof(RandomCropPadding)] = "--random-crop", [nameof(HorizontalFlip)] = "--flip", [nameof(OutputDirectory)] = "--out",
        [nameof(FineTune)] = "--fine-tune",
    };

    /// <summary>The name a user knows an option by: "--batch-size" for <c>BatchSize</c>; the field's own name when no flag sets it.</summary>
    public static string OptionName(string property) => s_cliNames.GetValueOrDefault(property, property);

    /// <summary>Checks every value, naming the first bad one by its command-line option; throws <see cref="ArgumentException"/>.</summary>
    public void Validate()
    {
        if (Check() is { } bad)
            throw new ArgumentException(bad.message(OptionName(bad.property)), bad.property);
    }

    /// <summary>
    /// Checks options read back from <paramref name="file"/> exactly as <see cref="Validate"/> checks new ones; throws
    /// <see cref="InvalidDataException"/> naming the file and the stored field (e.g. <c>Options.Threads</c>).
    /// </summary>
    public void ValidateStored(string file)
    {
        if (Check() is { } bad)
            throw new InvalidDataException($"{file}: {bad.message($"the stored field 'Options.{bad.property}'")}");
    }

    /// <summary>
    /// Options that this run must share with <paramref name="stored"/> to continue it, and does not: every one
    /// but the epoch count, the output folder, the learning rate and the thread count, which may change on resume.
    /// Each is named as the user knows it, with both values.
    /// </summary>
    public IReadOnlyList<string> ConflictsWith(TrainingOptions stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var conflicts = new List<string>();
        void Same<T>(string property, T mine, T theirs)
        {
            if (!EqualityComparer<T>.Default.Equals(mine, theirs))
                conflicts.Add($"{OptionName(property)} {Show(mine)} (the run has {Show(theirs)})");
        }
        Same(nameof(Dataset), Dataset, stored.Dataset);
        Same(nameof(Model), Model, stored.Model);
        Same(nameof(Optimizer), Optimizer, stored.Optimizer);
        Same(nameof(Momentum), Momentum, stored.Momentum);
        Same(nameof(Nesterov), Nesterov, stored.Nesterov);
        Same(nameof(WeightDecay), WeightDecay, stored.WeightDecay);
        Same(nameof(BatchSize), BatchSize, stored.BatchSize);
        Same(nameof(Seed), Seed, stored.Seed);
        Same(nameof(Schedule), Schedule, stored.Schedule);
        Same(nameof(WarmupSteps), WarmupSteps, stored.WarmupSteps);
        Same(nameof(StepEpochs), StepEpochs, stored.StepEpochs);
        Same(nameof(StepGamma), StepGamma, stored.StepGamma);
        Same(nameof(LabelSmoothing), LabelSmoothing, stored.LabelSmoothing);
        Same(nameof(TrainLimit), TrainLimit, stored.TrainLimit);
        Same(nameof(ValidationLimit), ValidationLimit, stored.ValidationLimit);
        Same(nameof(RandomCropPadding), RandomCropPadding, stored.RandomCropPadding);
        Same(nameof(HorizontalFlip), HorizontalFlip, stored.HorizontalFlip);
        Same(nameof(ChannelsLast), ChannelsLast, stored.ChannelsLast);
        Same(nameof(FineTune), FineTune, stored.FineTune);
        return conflicts;
    }

    private static string Show<T>(T value) => value switch
    {
        null => "none",
        string s => $"'{s}'",
        bool b => b ? "on" : "off",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    // The first bad value: its property and its message given the name to call it by.
    private (string property, Func<string, string> message)? Check()
    {
        static (string, Func<string, string>) Bad(string property, Func<string, string> message) => (property, message);
        string Got(object? value) => value is null ? "none" : Show(value);
        if (Dataset is null) return Bad(nameof(Dataset), n => $"{n} must name a dataset, got none");
        if (Model is null) return Bad(nameof(Model), n => $"{n} must name a model, got none");
        if (Epochs <= 0) return Bad(nameof(Epochs), n => $"{n} must be positive, got {Epochs}");
        if (BatchSize <= 0) return Bad(nameof(BatchSize), n => $"{n} must be positive, got {BatchSize}");
        if (!(LearningRate > 0) || !(LearningRate <= MaxLearningRate))
            return Bad(nameof(LearningRate), n => $"{n} must be a positive number no larger than {Show(MaxLearningRate)} (larger rates overflow the optimizer's 32-bit arithmetic), got {Got(LearningRate)}");
        if (Optimizer is null || !Optimizers.Contains(Optimizer))
            return Bad(nameof(Optimizer), n => $"unknown optimizer {Got(Optimizer)} ({n}). Known optimizers: {string.Join(", ", Optimizers)}");
        if (Schedule is null || !Schedules.Contains(Schedule))
            return Bad(nameof(Schedule), n => $"unknown schedule {Got(Schedule)} ({n}). Known schedules: {string.Join(", ", Schedules)}");
        if (Threads <= 0) return Bad(nameof(Threads), n => $"{n} must be positive, got {Threads}");
        if (Threads > MaxThreads)
            return Bad(nameof(Threads), n => $"{n} must be at most {MaxThreads} (this machine has {Environment.ProcessorCount} cores), got {Threads}");
        if (TrainLimit < 0) return Bad(nameof(TrainLimit), n => $"{n} must not be negative, got {TrainLimit}");
        if (ValidationLimit < 0) return Bad(nameof(ValidationLimit), n => $"{n} must not be negative, got {ValidationLimit}");
        if (WarmupSteps < 0) return Bad(nameof(WarmupSteps), n => $"{n} must not be negative, got {WarmupSteps}");
        if (StepEpochs <= 0) return Bad(nameof(StepEpochs), n => $"{n} must be positive, got {StepEpochs}");
        if (!(StepGamma > 0) || double.IsInfinity(StepGamma)) return Bad(nameof(StepGamma), n => $"{n} must be a positive number, got {Got(StepGamma)}");
        if (!(LabelSmoothing >= 0) || !(LabelSmoothing < 1)) return Bad(nameof(LabelSmoothing), n => $"{n} must be in [0, 1), got {Got(LabelSmoothing)}");
        if (!(WeightDecay >= 0) || !(WeightDecay <= MaxLearningRate)) return Bad(nameof(WeightDecay), n => $"{n} must be a number from 0 to {Show(MaxLearningRate)}, got {Got(WeightDecay)}");
        if (!(Momentum >= 0) || !(Momentum <= 1)) return Bad(nameof(Momentum), n => $"{n} must be a number from 0 to 1, got {Got(Momentum)}");
        if (RandomCropPadding < 0) return Bad(nameof(RandomCropPadding), n => $"{n} must not be negative, got {RandomCropPadding}");
        if (FineTune is null || !Models.ImageNetResNet18.FineTuneChoices.Contains(FineTune))
            return Bad(nameof(FineTune), n => $"{n} must be one of {string.Join(", ", Models.ImageNetResNet18.FineTuneChoices)}, got {Got(FineTune)}");
        if (FineTune != "none" && !Models.ImageNetResNet18.ZooName.Equals(Model, StringComparison.OrdinalIgnoreCase))
            return Bad(nameof(FineTune), n => $"{n} {FineTune} needs a pretrained backbone ({Models.ImageNetResNet18.ZooName}); {Model} trains all its layers");
        return null;
    }

    internal Augmentation? Augmentation =>
        RandomCropPadding > 0 || HorizontalFlip ? new Augmentation(RandomCropPadding, HorizontalFlip) : null;
}
