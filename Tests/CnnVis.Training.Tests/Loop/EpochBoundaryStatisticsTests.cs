using CnnVis.Torch;
using CnnVis.Training.Loop;

namespace CnnVis.Training.Tests.Loop;

/// <summary>
/// Between the last step of an epoch and the first step of the next, the trainer evaluates, saves a checkpoint and
/// switches modes: none of that may move batch norm's running statistics, and the checkpoint holds the statistics the
/// module uses. (A candidate cause of i9's drifting statistics, ruled out by measurement and kept as a guard.)
/// </summary>
public sealed class EpochBoundaryStatisticsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cnnvis-bn-boundary-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Dictionary<string, float[]> Statistics(IEnumerable<(string name, Tensor buffer)> buffers) =>
        buffers.Where(b => b.name.Contains("running_", StringComparison.Ordinal)).ToDictionary(b => b.name, b => b.buffer.data<float>().ToArray());

    private sealed class Watcher : TrainingCallback
    {
        public Dictionary<string, float[]>? AfterLastStep;
        public readonly List<string> Problems = new();
        public int Boundaries;

        public override void OnBatchEnd(TrainingContext context, BatchEnd batch) => AfterLastStep = Statistics(context.Model.named_buffers());

        public override void OnCheckpointSaved(TrainingContext context, CheckpointInfo checkpoint)
        {
            Compare($"epoch {checkpoint.Epoch}, after evaluation and saving", Statistics(context.Model.named_buffers()));
            var saved = torch.load(Path.Combine(checkpoint.Directory, Checkpoint.ModelFile));
            Compare($"epoch {checkpoint.Epoch}, the saved file", Statistics(saved.Select(kv => (kv.Key, kv.Value))));
            foreach (var t in saved.Values) t.Dispose();
            var tracked = context.Model.named_buffers().Where(b => b.name.EndsWith("num_batches_tracked", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(tracked);
            foreach (var (name, count) in tracked)
            {
                if (count.item<long>() != context.Step) Problems.Add($"{name} is {count.item<long>()} after {context.Step} steps");
            }
            Boundaries++;
        }

        public override void OnEpochBegin(TrainingContext context, int epoch)
        {
            if (AfterLastStep is not null) Compare($"start of epoch {epoch}", Statistics(context.Model.named_buffers()));
        }

        private void Compare(string when, Dictionary<string, float[]> now)
        {
            Assert.NotNull(AfterLastStep);
            Assert.Equal(AfterLastStep.Keys.Order(), now.Keys.Order());
            foreach (var (name, values) in AfterLastStep)
            {
                if (!values.SequenceEqual(now[name])) Problems.Add($"{when}: {name} differs from its value after the last step");
            }
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void EvaluationCheckpointsAndModeSwitchesLeaveTheRunningStatisticsAlone(bool channelsLast)
    {
        var watcher = new Watcher();
        var options = new TrainingOptions
        {
            Dataset = "fashion-mnist", Model = "fashionnet", Epochs = 2, BatchSize = 32, TrainLimit = 96, ValidationLimit = 64,
            Threads = 1, ChannelsLast = channelsLast, OutputDirectory = Path.Combine(_dir, channelsLast ? "cl" : "nchw"),
        };
        var outcome = new Trainer(options, watcher).Run();
        Assert.Equal(TrainingStatus.Completed, outcome.Status);
        Assert.Equal(2, watcher.Boundaries);
        Assert.Empty(watcher.Problems);
    }
}
