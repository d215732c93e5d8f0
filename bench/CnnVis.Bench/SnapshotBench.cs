using System.Text.Json.Nodes;
using CnnVis.Monitor;
using CnnVis.Torch;
using CnnVis.Training.Loop;
using static CnnVis.Bench.Format;

namespace CnnVis.Bench;

/// <summary>
/// One monitor snapshot, phase by phase: FashionNet on Fashion-MNIST with the monitor's bench settings (64 probes;
/// CAM, Grad-CAM, saliency, guided backprop, filters, layer statistics, drift, the store write), a snapshot after
/// every training step of a short run, so many snapshots cost little training. Wall and CPU time per phase (the
/// CPU figure is the one to read on a loaded machine). Trust runs at the first and the last snapshot only, as in a
/// run it runs once per epoch.
/// </summary>
internal sealed class SnapshotBench : IBench
{
    public string Name => "snapshot";

    public string Description => "one monitor snapshot of FashionNet (64 probes, default methods) phase by phase, wall and CPU time";

    public int Run(BenchContext context)
    {
        var steps = context.Quick ? 4 : 12;
        if (context.Options.Reps is { } reps) steps = reps;
        var loadStart = LoadAverage();
        Console.WriteLine($"libtorch {torch.__version__}, {context.Threads} thread(s) on {Environment.ProcessorCount} core(s), load average {loadStart.ToJsonString()}; {steps} steps, a snapshot after each");
        var root = Path.Combine(Path.GetTempPath(), $"cnnvis-bench-snapshot-{Environment.ProcessId}");
        MonitorReport report;
        try
        {
            var options = new TrainingOptions
            {
                Dataset = "fashion-mnist", Model = "fashionnet", Epochs = 1, Optimizer = "adam", LearningRate = 1e-3, BatchSize = 128, Seed = 0,
                Threads = context.Threads, TrainLimit = 128 * steps, ValidationLimit = 1000,
            };
            using var monitor = TrainingMonitor.Open(Path.Combine(root, "cnnvis.db"),
                new MonitorOptions { ProbeCount = 64, Schedule = SnapshotSchedule.EverySteps(1), Budget = 1.0 });
            var outcome = new Trainer(options, monitor).Run();
            if (outcome.Status != TrainingStatus.Completed) throw new InvalidOperationException($"training did not complete: {outcome.Message}");
            report = monitor.Report;
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
        Console.WriteLine();
        Console.WriteLine($"{report.Snapshots} snapshots: median {F(report.SnapshotMillisecondsMedian, 1)} ms wall, {F(report.SnapshotCpuMillisecondsMedian, 1)} ms CPU");
        Console.WriteLine($"  {"phase",-10} {"snapshots",9} {"wall ms",9} {"CPU ms",9}");
        var phases = new JsonArray();
        foreach (var p in report.Phases)
        {
            Console.WriteLine($"  {p.Phase,-10} {p.Snapshots,9} {F(p.WallMillisecondsMedian, 1),9} {F(p.CpuMillisecondsMedian, 1),9}");
            phases.Add(new JsonObject { ["phase"] = p.Phase, ["snapshots"] = p.Snapshots, ["wall_ms_median"] = p.WallMillisecondsMedian, ["cpu_ms_median"] = p.CpuMillisecondsMedian });
        }
        var json = context.Figures(Name, loadStart, LoadAverage(), "", new JsonObject
        {
            ["snapshots"] = report.Snapshots,
            ["snapshot_ms_median"] = report.SnapshotMillisecondsMedian,
            ["snapshot_cpu_ms_median"] = report.SnapshotCpuMillisecondsMedian,
            ["phases"] = phases,
            ["setup"] = new JsonObject { ["probes"] = 64, ["methods"] = "cam, gradcam, saliency, guided-backprop, filters", ["schedule"] = "steps:1", ["steps"] = steps },
        });
        Console.WriteLine($"wrote {context.WriteJson(Name, json)}");
        return 0;
    }
}
