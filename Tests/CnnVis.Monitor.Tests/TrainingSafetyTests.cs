using CnnVis.Monitor.Store;
using CnnVis.Torch;
using CnnVis.Torch.Optim;
using CnnVis.Training.Data;
using CnnVis.Training.Loop;

namespace CnnVis.Monitor.Tests;

/// <summary>
/// The monitor never changes what is trained: a user's own loop, run with and without it from the same seed, ends
/// with bit-identical weights, batch-norm statistics and optimizer state; and each snapshot leaves the random
/// stream, the gradients and every module's mode as it found them.
/// </summary>
public sealed class TrainingSafetyTests : TempFolder
{
    private static readonly ImageDataset s_train = Subset.First(Datasets.Create("fashion-mnist", train: true), 96);
    private static readonly ImageDataset s_validation = Subset.First(Datasets.Create("fashion-mnist", train: false), 40);

    private static double[] Values(Tensor t)
    {
        using var d = t.detach();
        using var wide = d.to(ScalarType.Float64);
        return wide.data<double>();
    }

    private static Dictionary<string, double[]> Copy(IEnumerable<KeyValuePair<string, Tensor>> state) => state.ToDictionary(kv => kv.Key, kv => Values(kv.Value));

    /// <summary>The README's own-loop example, in test form: 2 epochs of 3 steps on a user's model.</summary>
    private static (Dictionary<string, double[]> model, Dictionary<string, double[]> optimizer) Train(TrainingMonitor? monitor)
    {
        torch.set_num_threads(2);
        torch.manual_seed(5);
        using var model = new OwnCnn();
        using var optimizer = new Adam(model.parameters(), 1e-3);
        using var loader = new DataLoader(s_train, 32, shuffle: true, seed: 5);
        using var validationLoader = new DataLoader(s_validation, 64, shuffle: false, seed: 5);
        monitor?.BeginRun(model, s_validation, new RunDescription("own loop", "fashion-mnist", "own-cnn", "{}", s_train.ClassNames.ToArray(), 2), loader.BatchCount);
        long step = 0;
        for (var epoch = 1; epoch <= 2; epoch++)
        {
            loader.SetEpoch(epoch);
            model.train();
            foreach (var batch in loader)
            {
                using (batch)
                using (torch.NewDisposeScope())
                {
                    optimizer.zero_grad();
                    var loss = torch.nn.functional.cross_entropy(model.call(batch.Images), batch.Labels);
                    loss.backward();
                    optimizer.step();
                    step++;
                    if (monitor is null) continue;
                    var gradients = model.parameters().Select(p => { using var g = p.grad!; return Values(g); }).ToList();
                    monitor.AfterStep(epoch, step, loss.item<double>(), 1e-3);
                    // The snapshot (every step here) left the gradients and every module's training mode alone.
                    Assert.Equal(gradients, model.parameters().Select(p => { using var g = p.grad!; return Values(g); }).ToList());
                    Assert.All(model.modules(), m => Assert.True(m.training));
                }
            }
            var evaluation = Trainer.Evaluate(model, validationLoader, epoch, step, 10);
            monitor?.AfterEvaluation(evaluation);
            monitor?.AfterEpoch(epoch, step, 0.5, 0.5);
        }
        monitor?.EndRun(RunStatus.Finished, "done");
        return (Copy(model.state_dict()), Copy(optimizer.state_dict()));
    }

    [Fact]
    public void AMonitoredOwnLoopEndsBitIdenticalToAnUnmonitoredOne()
    {
        var plain = Train(null);
        long id;
        (Dictionary<string, double[]> model, Dictionary<string, double[]> optimizer) watched;
        using (var monitor = TrainingMonitor.Open(StorePath, new MonitorOptions
               {
                   ProbeCount = 3, WrongProbes = 1, Targets = MonitorTargets.Both, Schedule = SnapshotSchedule.EverySteps(1), Budget = 1,
                   Methods = ["cam", "gradcam", "guided-backprop"],
               }))
        {
            watched = Train(monitor);
            id = monitor.RunId;
        }
        Assert.Equal(plain.model.Keys, watched.model.Keys);
        Assert.Contains("features.1.running_mean", plain.model.Keys);
        foreach (var key in plain.model.Keys) Assert.True(plain.model[key].SequenceEqual(watched.model[key]), $"model tensor {key} differs");
        Assert.NotEmpty(plain.optimizer);
        Assert.Equal(plain.optimizer.Keys, watched.optimizer.Keys);
        foreach (var key in plain.optimizer.Keys) Assert.True(plain.optimizer[key].SequenceEqual(watched.optimizer[key]), $"optimizer tensor {key} differs");

        // And it did record: the start, every step, and nothing more at the end (the last step was a snapshot).
        using var reader = RunReader.Open(StorePath);
        Assert.Equal(Enumerable.Range(0, 7).Select(s => (long)s), reader.Snapshots(id).Select(s => s.Step));
        Assert.Equal((RunStatus.Finished, "done"), (reader.Run(id).Status, reader.Run(id).Message));
        Assert.Equal(2, reader.Cube(id).Count);
        Assert.Equal(4, reader.Probes(id).Count);
    }

    [Fact]
    public void ASnapshotDrawsNothingFromTheRandomStreamAndLeavesEvalModeModulesAlone()
    {
        using var model = new OwnCnn();
        model.train();
        model.get_submodule("dropout").eval();
        using var monitor = TrainingMonitor.Open(StorePath, new MonitorOptions { ProbeCount = 3, Methods = ["gradcam", "smoothgrad", "guided-backprop"], Budget = 1 });
        torch.manual_seed(77);
        monitor.BeginRun(model, s_validation, new RunDescription("rng", "fashion-mnist", "own-cnn", "{}", s_train.ClassNames.ToArray(), 1));
        using var after = torch.rand([5]);
        torch.manual_seed(77);
        using var fresh = torch.rand([5]);
        Assert.Equal(fresh.data<float>(), after.data<float>());
        Assert.True(model.training);
        Assert.False(model.get_submodule("dropout").training);
        Assert.All(model.parameters(), p => Assert.Null(p.grad));
        Assert.Equal(1, monitor.Report.Snapshots);
    }
}
