using CnnVis.Torch;
using CnnVis.Torch.Modules;
using CnnVis.Training.Data;
using CnnVis.Training.Loop;

namespace CnnVis.Cli.Tests;

/// <summary>
/// A checkpoint of a user-defined model (trained in code with <c>Trainer.Model</c>) cannot be rebuilt by the CLI's zoo:
/// `train --resume` and `explain` refuse it by name (exit code 2) instead of failing on an unknown model name.
/// </summary>
public sealed class UserModelCheckpointTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cnnvis-user-checkpoint-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>conv → ReLU ("features.1") → global average pool → linear: a user's own model.</summary>
    public sealed class LittleCnn : Module, IExplainableModel
    {
        private readonly Sequential _features;
        private readonly AdaptiveAvgPool2d _pool;
        private readonly Linear _classifier;

        public LittleCnn()
        {
            _features = register_module("features", torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding: 1), torch.nn.ReLU()));
            _pool = register_module("pool", torch.nn.AdaptiveAvgPool2d(1));
            _classifier = register_module("classifier", torch.nn.Linear(4, 2));
        }

        public string ExplanationLayer => "features.1";

        public string? ClassifierLayer => "classifier";

        public int NumClasses => 2;

        public override Tensor forward(Tensor input)
        {
            using var features = _features.call(input);
            using var pooled = _pool.call(features);
            using var flat = pooled.flatten(1);
            return _classifier.call(flat);
        }
    }

    // The console wraps long lines: compared without line breaks and spaces.
    private static string Squeezed(string text) => string.Concat(text.Where(c => !char.IsWhiteSpace(c)));

    private string TrainInCode()
    {
        var images = Enumerable.Range(0, 8 * 16).Select(i => i % 7 / 7f).ToArray();
        var data = new InMemoryDataset("mine", images, Enumerable.Range(0, 8).Select(i => i % 2).ToArray(), 1, 4, 4, ["no", "yes"]);
        using var model = new LittleCnn();
        var run = Path.Combine(_dir, "run");
        new Trainer(new TrainingOptions { Epochs = 1, BatchSize = 4, Threads = 1, OutputDirectory = run }) { Model = model, TrainData = data, ValidationData = data }.Run();
        return run;
    }

    [Fact]
    public void ResumeAndExplainRefuseAUserModelCheckpointByName()
    {
        var run = TrainInCode();
        var checkpoint = Checkpoint.FindLatest(run)!;
        var type = typeof(LittleCnn).FullName;

        var (code, output) = CliProcess.Run(_dir, "train", "--resume", run, "--epochs", "2");
        Assert.Equal(2, code);
        Assert.Contains(Squeezed($"the checkpoint is of a user-defined model, {type}, which the model zoo cannot build"), Squeezed(output));

        (code, output) = CliProcess.Run(_dir, "explain", "--checkpoint", run, "--indices", "0", "--method", "gradcam", "--out", Path.Combine(_dir, "x.png"));
        Assert.Equal(2, code);
        Assert.Contains(Squeezed($"the checkpoint is of a user-defined model, {type}, which the CLI cannot build"), Squeezed(output));
        Assert.False(File.Exists(Path.Combine(_dir, "x.png")));
        Assert.Equal([checkpoint.Directory], Directory.GetDirectories(Path.Combine(run, "checkpoints")));
    }
}
