namespace CnnVis.Monitor;

/// <summary>What the monitor records, and how much it may cost. The defaults are the issue's: 64 probes, CAM (where the head allows), Grad-CAM, saliency, guided backprop, true-class targets, log-spaced snapshots, 5% of wall time.</summary>
public sealed record MonitorOptions
{
    public static IReadOnlyList<string> DefaultMethods { get; } = ["cam", "gradcam", "saliency", "guided-backprop"];

    /// <summary>Validation images to explain; null picks <see cref="ProbeCount"/> of them spread over the classes.</summary>
    public IReadOnlyList<int>? ProbeIndices { get; init; }

    /// <summary>How many probes to pick automatically, classes taken in turn.</summary>
    public int ProbeCount { get; init; } = 64;

    /// <summary>The K validation images the model gets most confidently wrong at the first evaluation, added as probes from then on (0: none).</summary>
    public int WrongProbes { get; init; }

    /// <summary>Methods by catalog name; null for <see cref="DefaultMethods"/> (CAM left out when the model's head is not GAP + linear).</summary>
    public IReadOnlyList<string>? Methods { get; init; }

    public MonitorTargets Targets { get; init; } = MonitorTargets.True;

    public SnapshotSchedule Schedule { get; init; } = SnapshotSchedule.LogSpaced;

    /// <summary>The most of the run's wall time the monitor may use, as a fraction (0.05 = 5%); planned snapshots that would exceed it are skipped.</summary>
    public double Budget { get; init; } = 0.05;

    /// <summary>Whether to record the first convolution's filters at every snapshot.</summary>
    public bool Filters { get; init; } = true;

    /// <summary>Bins of every layer's weight histogram.</summary>
    public int HistogramBins { get; init; } = 32;

    /// <summary>Steps of the deletion curve when trust is measured (cheap: the curve is only compared over time).</summary>
    public int DeletionSteps { get; init; } = 8;

    /// <summary>Trust is scored on at most this many probes (the first ones, spread over the classes): deletion curves cost a forward per step and probe.</summary>
    public int TrustProbes { get; init; } = 16;

    /// <summary>Checks every value, naming the first bad one.</summary>
    public void Validate()
    {
        if (ProbeIndices is null && ProbeCount <= 0) throw new ArgumentException($"the probe count must be positive, got {ProbeCount}");
        if (ProbeIndices is { Count: 0 }) throw new ArgumentException("the probe list is empty: give at least one validation image index");
        if (WrongProbes < 0) throw new ArgumentException($"the number of wrong probes must not be negative, got {WrongProbes}");
        if (!(Budget > 0 && Budget <= 1)) throw new ArgumentException($"the monitor's budget must be a fraction of wall time in (0, 1], got {Budget}");
        if (HistogramBins <= 0) throw new ArgumentException($"histogram bins must be positive, got {HistogramBins}");
        if (TrustProbes <= 0) throw new ArgumentException($"trust probes must be positive, got {TrustProbes}");
        if (DeletionSteps <= 0) throw new ArgumentException($"deletion steps must be positive, got {DeletionSteps}");
        if (Methods is { Count: 0 }) throw new ArgumentException("no explanation method was named");
    }
}
