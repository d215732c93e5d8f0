using System.Diagnostics;
using System.Text.Json.Nodes;
using CnnVis.Monitor;
using CnnVis.Monitor.Store;
using CnnVis.Torch;
using CnnVis.Training.Loop;
using static CnnVis.Bench.Format;

namespace CnnVis.Bench;

/// <summary>
/// The monitor's cost: FashionNet on Fashion-MNIST trained with and without the monitor, the two runs taking turns
/// (order flipped each repetition) in one invocation. The monitor explains 64 probes with CAM, Grad-CAM, saliency
/// and guided backprop, records filters, layer statistics, drift, trust and the validation cube, with a snapshot
/// every 100 steps and no budget cap (so every snapshot is paid for). Figures: the wall-time overhead, the store's
/// bytes per snapshot, the snapshots' median cost, and what a 30-epoch run with a snapshot per epoch would store.
/// </summary>
internal sealed class MonitorBench : IBench
{
    private const double OverheadTargetPercent = 3;

    public string Name => "monitor";

    public string Description => "FashionNet 3 epochs with and without the monitor in turns: overhead, store bytes per snapshot, snapshot cost";

    private sealed record Settings(int Epochs, int TrainLimit, int TestLimit, int Reps);

    public int Run(BenchContext context)
    {
        var s = context.Quick ? new Settings(1, 4096, 1000, 1) : new Settings(3, 0, 0, 1);
        if (context.Options.Reps is { } reps) s = s with { Reps = reps };
        var loadStart = LoadAverage();
        Console.WriteLine($"libtorch {torch.__version__}, {context.Threads} thread(s) on {Environment.ProcessorCount} core(s), load average {loadStart.ToJsonString()}" +
            (context.Quick ? $", quick run on {s.TrainLimit} training and {s.TestLimit} test images (figures are not measurements)" : ""));
        var root = Path.Combine(Path.GetTempPath(), $"cnnvis-bench-monitor-{Environment.ProcessId}");
        var plainSeconds = new List<double>();
        var monitoredSeconds = new List<double>();
        var plainCpu = new List<double>();
        var monitoredCpu = new List<double>();
        var reports = new List<MonitorReport>();
        var storeBytes = new List<long>();
        try
        {
            for (var rep = 0; rep < s.Reps; rep++)
            {
                var r = rep;
                Turns.Pair(rep,
                    () =>
                    {
                        var (wall, cpu) = Train(context, s, Path.Combine(root, $"plain-{r}"), null);
                        plainSeconds.Add(wall);
                        plainCpu.Add(cpu);
                    },
                    () =>
                    {
                        var store = Path.Combine(root, $"monitored-{r}", "cnnvis.db");
                        using var monitor = TrainingMonitor.Open(store, new MonitorOptions { ProbeCount = 64, Schedule = SnapshotSchedule.EverySteps(100), Budget = 1.0 });
                        var (wall, cpu) = Train(context, s, Path.Combine(root, $"monitored-{r}"), monitor);
                        monitoredSeconds.Add(wall);
                        monitoredCpu.Add(cpu);
                        reports.Add(monitor.Report);
                        monitor.Dispose();
                        SqliteFiles.Checkpoint(store);
                        storeBytes.Add(new FileInfo(store).Length);
                    });
                Console.WriteLine($"  repetition {rep + 1}: plain {F(plainSeconds[^1], 1)} s, monitored {F(monitoredSeconds[^1], 1)} s ({reports[^1].Snapshots} snapshots, median {F(reports[^1].SnapshotMillisecondsMedian, 0)} ms)");
            }
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
        var loadEnd = LoadAverage();
        var overhead = 100 * Measure.Median(monitoredSeconds.Zip(plainSeconds, (m, p) => (m - p) / m));
        // The same in the process's CPU time: on a shared machine, wall time also measures the neighbours.
        var overheadCpu = 100 * Measure.Median(monitoredCpu.Zip(plainCpu, (m, p) => (m - p) / m));
        var share = 100 * Measure.Median(reports.Select(r => r.Share));
        var snapshots = reports[^1].Snapshots;
        var bytesPerSnapshot = (double)storeBytes[^1] / Math.Max(1, snapshots);
        var snapshotMs = Measure.Median(reports.Select(r => r.SnapshotMillisecondsMedian));
        var snapshotCpuMs = Measure.Median(reports.Select(r => r.SnapshotCpuMillisecondsMedian));
        // A 30-epoch run with a snapshot per epoch holds 31 snapshots (one before the first step) and 30 cube slices.
        var thirtyEpochsMb = 31 * bytesPerSnapshot / 1e6;
        Console.WriteLine();
        Console.WriteLine($"overhead: {F(overhead, 2)}% of wall time (target at most {F(OverheadTargetPercent, 0)}%); the monitor's own count: {F(share, 2)}%; in CPU time: {F(overheadCpu, 2)}%");
        Console.WriteLine($"snapshots: median {F(snapshotMs, 0)} ms wall, {F(snapshotCpuMs, 0)} ms CPU; by phase (CPU ms): " +
            string.Join(", ", reports[^1].Phases.Select(p => $"{p.Phase} {F(p.CpuMillisecondsMedian, 1)}")));
        Console.WriteLine($"store: {F(bytesPerSnapshot / 1024, 0)} KiB per snapshot over {snapshots} snapshots; a 30-epoch run at one snapshot per epoch: about {F(thirtyEpochsMb, 1)} MB (target under 50 MB)");
        var json = context.Figures(Name, loadStart, loadEnd, "", new JsonObject
        {
            ["overhead_pct"] = overhead,
            ["overhead_target_pct"] = OverheadTargetPercent,
            ["monitor_share_pct"] = share,
            ["store_bytes_per_snapshot"] = bytesPerSnapshot,
            ["snapshots"] = snapshots,
            ["snapshot_ms_median"] = snapshotMs,
            ["overhead_cpu_pct"] = overheadCpu,
            ["snapshot_cpu_ms_median"] = snapshotCpuMs,
            ["snapshot_phases_cpu_ms_median"] = new JsonObject(reports[^1].Phases.Select(p => KeyValuePair.Create(p.Phase, (JsonNode?)JsonValue.Create(p.CpuMillisecondsMedian)))),
            ["store_mb_30_epochs_one_snapshot_per_epoch"] = thirtyEpochsMb,
            ["plain_seconds"] = Array(plainSeconds),
            ["monitored_seconds"] = Array(monitoredSeconds),
            ["plain_cpu_seconds"] = Array(plainCpu),
            ["monitored_cpu_seconds"] = Array(monitoredCpu),
            ["setup"] = new JsonObject
            {
                ["epochs"] = s.Epochs, ["train_limit"] = s.TrainLimit, ["test_limit"] = s.TestLimit, ["repetitions"] = s.Reps, ["probes"] = 64,
                ["methods"] = "cam, gradcam, saliency, guided-backprop, filters", ["schedule"] = "steps:100", ["budget"] = "none (100%)",
            },
        });
        Console.WriteLine($"wrote {context.WriteJson(Name, json)}");
        return 0;
    }

    // Wall and process CPU seconds of one training run.
    private static (double wall, double cpu) Train(BenchContext context, Settings s, string directory, TrainingMonitor? monitor)
    {
        var options = new TrainingOptions
        {
            Dataset = "fashion-mnist", Model = "fashionnet", Epochs = s.Epochs, Optimizer = "adam", LearningRate = 1e-3, BatchSize = 128, Seed = 0,
            Threads = context.Threads, TrainLimit = s.TrainLimit, ValidationLimit = s.TestLimit, OutputDirectory = directory,
        };
        var clock = Stopwatch.StartNew();
        var cpu = Environment.CpuUsage.TotalTime;
        var outcome = monitor is null ? new Trainer(options).Run() : new Trainer(options, monitor).Run();
        if (outcome.Status != TrainingStatus.Completed) throw new InvalidOperationException($"training did not complete: {outcome.Message}");
        return (clock.Elapsed.TotalSeconds, (Environment.CpuUsage.TotalTime - cpu).TotalSeconds);
    }
}
