using System.CommandLine;
using System.Globalization;
using CnnVis.Monitor;
using CnnVis.Monitor.Store;
using Spectre.Console;

namespace CnnVis.Cli.Commands;

/// <summary>
/// `cnnvis train --monitor` and its flags: where the store is, which probes, methods, targets, snapshot schedule
/// and budget. Builds the <see cref="TrainingMonitor"/> the trainer gets as an extra callback.
/// </summary>
public sealed class MonitorFlags
{
    public const string DefaultStore = "runs/cnnvis.db";

    private MonitorFlags(double budgetPercent)
    {
        Budget = new("--budget")
        {
            Description = "the monitor's cap on wall time, in percent; snapshots over it are skipped and recorded",
            DefaultValueFactory = _ => budgetPercent,
        };
    }

    public Option<bool> Monitor { get; } = new("--monitor") { Description = "record explanations, filters, layer statistics and the validation cube into the run store while training" };
    public Option<string> Store { get; } = new("--store") { Description = "the run store (SQLite) the monitor writes", DefaultValueFactory = _ => DefaultStore };
    public Option<string> Probes { get; } = new("--probes") { Description = "probe images: a count spread over the classes (64), or validation indices separated by commas", DefaultValueFactory = _ => "64" };
    public Option<int> WrongProbes { get; } = new("--wrong-probes") { Description = "also probe the K validation images the model gets most confidently wrong at the first evaluation" };
    public Option<string?> Methods { get; } = new("--methods") { Description = "explanation methods separated by commas (default: cam, gradcam, saliency, guided-backprop)" };
    public Option<string> Targets { get; } = new("--targets") { Description = "which class the maps explain: true, predicted or both", DefaultValueFactory = _ => "true" };
    public Option<string> Snapshots { get; } = new("--snapshots") { Description = "snapshot schedule: log (dense early, then every epoch), epoch, or steps:N", DefaultValueFactory = _ => "log" };
    public Option<double> Budget { get; }

    /// <summary>
    /// Adds the flags to <paramref name="command"/>. <paramref name="alwaysOn"/> leaves out --monitor (the demo always
    /// monitors); <paramref name="budgetPercent"/> is --budget's default.
    /// </summary>
    public static MonitorFlags AddTo(Command command, bool alwaysOn = false, double budgetPercent = 5)
    {
        var flags = new MonitorFlags(budgetPercent);
        if (!alwaysOn) command.Options.Add(flags.Monitor);
        foreach (var option in new Option[] { flags.Store, flags.Probes, flags.WrongProbes, flags.Methods, flags.Targets, flags.Snapshots, flags.Budget })
            command.Options.Add(option);
        return flags;
    }

    /// <summary>
    /// The monitor the flags ask for, or null without --monitor (and without <paramref name="required"/>, which --serve
    /// sets: the dashboard shows what the monitor records). Bad values throw an error naming the flag.
    /// </summary>
    public TrainingMonitor? Create(ParseResult parse, bool required = false)
    {
        if (!required && !parse.GetValue(Monitor)) return null;
        return TrainingMonitor.Open(parse.GetValue(Store)!, Options(parse));
    }

    public MonitorOptions Options(ParseResult parse)
    {
        var options = new MonitorOptions();
        var probes = parse.GetValue(Probes)!.Trim();
        if (probes.Contains(','))
        {
            var indices = probes.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(p =>
                int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : throw new ArgumentException($"--probes: '{p}' is not a validation image index")).ToArray();
            options = options with { ProbeIndices = indices };
        }
        else if (int.TryParse(probes, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count > 0) options = options with { ProbeCount = count };
        else throw new ArgumentException($"--probes must be a positive count or indices separated by commas, got '{probes}'");

        var methods = parse.GetValue(Methods);
        if (methods is not null)
            options = options with { Methods = methods.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(m => m.ToLowerInvariant()).ToArray() };
        var targets = parse.GetValue(Targets)!.Trim().ToLowerInvariant() switch
        {
            "true" => MonitorTargets.True,
            "predicted" => MonitorTargets.Predicted,
            "both" => MonitorTargets.Both,
            var t => throw new ArgumentException($"--targets must be true, predicted or both, got '{t}'"),
        };
        SnapshotSchedule schedule;
        try
        {
            schedule = SnapshotSchedule.Parse(parse.GetValue(Snapshots)!);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"--snapshots: {e.Message}", e);
        }
        var budget = parse.GetValue(Budget);
        if (!(budget > 0 && budget <= 100)) throw new ArgumentException($"--budget must be a percentage in (0, 100], got {budget.ToString(CultureInfo.InvariantCulture)}");
        options = options with { WrongProbes = parse.GetValue(WrongProbes), Targets = targets, Schedule = schedule, Budget = budget / 100 };
        options.Validate();
        foreach (var m in options.Methods ?? []) Visualizers.ExplanationMethods.Describe(m);
        return options;
    }

    /// <summary>
    /// Runs <paramref name="train"/> with the monitor the flags ask for (none without --monitor or --serve) among its
    /// extra callbacks, then prints where the store is and what the monitor cost; with --serve the dashboard serves the
    /// store live meanwhile and after training until Ctrl+C. A bad flag or store is one red line.
    /// </summary>
    public static async Task<int> RunMonitoredAsync(MonitorFlags flags, ServeFlags serve, ParseResult parse, Func<Training.Loop.TrainingCallback[], int> train,
        CancellationToken cancellation)
    {
        TrainingMonitor? monitor;
        try
        {
            monitor = flags.Create(parse, required: serve.Wanted(parse));
        }
        catch (Exception e) when (CliErrors.IsUserError(e))
        {
            return CliErrors.Report(e);
        }
        if (monitor is null) return train([]);
        return await serve.TrainAsync(parse, monitor, m => train([m]), cancellation);
    }

    /// <summary>The closing lines: where the store is and what the monitor cost.</summary>
    public static void PrintSummary(TrainingMonitor monitor)
    {
        var r = monitor.Report;
        if (r.RunId < 0) return;
        AnsiConsole.MarkupLine($"run store: [blue]{Markup.Escape(Path.GetFullPath(r.StorePath))}[/] (run {r.RunId}; `cnnvis runs show {r.RunId}`)");
        AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"monitor: {r.Snapshots} snapshots ({r.Skipped} skipped over budget), median {r.SnapshotMillisecondsMedian:F0} ms each, {r.MonitorSeconds:F1} s of {r.WallSeconds:F1} s wall time ({100 * r.Share:F1}%)"));
    }
}
