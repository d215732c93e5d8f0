using System.Text.Json;
using CnnVis.Torch;
using CnnVis.Training.Data;
using CnnVis.Training.Loop;
using CnnVis.Training.Models;
using CnnVis.Training.Tests.Data;
using CnnVis.Training.Tests.Models;

namespace CnnVis.Training.Tests.Loop;

/// <summary>
/// The trainer's second way in: a user's own model and datasets as instances, not names. The model is trained in
/// place, its checkpoints record its type, and a checkpoint resumes (or loads) only into a model of that type.
/// </summary>
[Collection(TrainingRunCollection.Name)]
public sealed class UserModelTrainingTests : IDisposable
{
    private static readonly InMemoryDataset s_train = TestDatasets.Numbered(40, height: 6, width: 6);
    private static readonly InMemoryDataset s_validation = TestDatasets.Numbered(15, height: 6, width: 6);

    private readonly string _dir = Directory.CreateTempSubdirectory("cnnvis-user-model-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // The options name a zoo model and a dataset on purpose: the given instances take their place.
    private TrainingOptions Options(int epochs) => new()
    {
        Dataset = "fashion-mnist", Model = "resnet-small", Epochs = epochs, BatchSize = 8, Threads = 1, Seed = 11, OutputDirectory = Path.Combine(_dir, "run"),
    };

    private static float[] Values(IEnumerable<KeyValuePair<string, Tensor>> state) =>
        state.OrderBy(kv => kv.Key, StringComparer.Ordinal).SelectMany(kv => { using var d = kv.Value.detach(); using var c = d.contiguous(); return c.data<float>(); }).ToArray();

    private static float[] Stored(string checkpoint)
    {
        var state = torch.load(Path.Combine(checkpoint, Checkpoint.ModelFile));
        try
        {
            return Values(state);
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    private sealed class ContextModel : TrainingCallback
    {
        public Module? Seen;
        public override void OnTrainBegin(TrainingContext context) => Seen = context.Model;
    }

    [Fact]
    public void TrainsTheGivenModelInPlaceOnTheGivenDataAndCheckpointsRecordItsType()
    {
        using var model = new TinyUserCnn();
        var before = Values(model.state_dict());
        var seen = new ContextModel();
        var outcome = new Trainer(Options(epochs: 1), seen) { Model = model, TrainData = s_train, ValidationData = s_validation }.Run();

        Assert.Equal(TrainingStatus.Completed, outcome.Status);
        Assert.Same(model, seen.Seen);
        Assert.Equal(5, outcome.Step);                                   // 40 images in batches of 8: the given data, not Fashion-MNIST
        Assert.Equal(15, outcome.LastEvaluation!.Predictions.Length);
        // The caller's instance is what was trained (and it is still usable: the trainer did not dispose it).
        var after = Values(model.state_dict());
        Assert.NotEqual(before, after);
        Assert.Equal(after, Stored(outcome.LastCheckpoint!.Directory));

        var meta = Checkpoint.Read(outcome.LastCheckpoint.Directory);
        Assert.Equal(typeof(TinyUserCnn).FullName, meta.ModelType);
        Assert.Equal(typeof(TinyUserCnn).FullName, meta.Options.Model);
        Assert.Equal("numbered", meta.Options.Dataset);
        Assert.Equal(["a", "b", "c", "d", "e"], meta.ClassNames);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outcome.LastCheckpoint.Directory, Checkpoint.MetaFile)));
        Assert.Equal(typeof(TinyUserCnn).FullName, json.RootElement.GetProperty("ModelType").GetString());
    }

    [Fact]
    public void AUserModelRunResumesIntoTheSameTypeAndMatchesARunThatNeverStopped()
    {
        // A given model is initialised by its caller: both runs start from the same weights.
        TrainingOutcome straight;
        torch.manual_seed(1);
        using (var once = new TinyUserCnn())
        {
            straight = new Trainer(Options(epochs: 2) with { OutputDirectory = Path.Combine(_dir, "straight") }) { Model = once, TrainData = s_train, ValidationData = s_validation }.Run();
        }
        torch.manual_seed(1);
        using var model = new TinyUserCnn();
        new Trainer(Options(epochs: 1)) { Model = model, TrainData = s_train, ValidationData = s_validation }.Run();
        using var fresh = new TinyUserCnn();
        var resume = Checkpoint.FindLatest(Path.Combine(_dir, "run"))!;
        var second = new Trainer(Options(epochs: 2)) { Model = fresh, TrainData = s_train, ValidationData = s_validation }.Run(resume: resume);
        Assert.Equal(TrainingStatus.Completed, second.Status);
        Assert.Equal(10, second.Step);
        Assert.Equal(2, second.LastCheckpoint!.Epoch);
        Assert.Equal(typeof(TinyUserCnn).FullName, Checkpoint.Read(second.LastCheckpoint.Directory).ModelType);
        var a = Stored(straight.LastCheckpoint!.Directory);
        var b = Values(fresh.state_dict());
        Assert.True(a.Zip(b, (x, y) => Math.Abs(x - y)).Max() < 1e-5, "the resumed run's weights differ from the run that never stopped");
    }

    [Fact]
    public void AUserModelCheckpointIsRefusedByTheZooAndByAnotherTypeNamingBoth()
    {
        using (var model = new TinyUserCnn())
            new Trainer(Options(epochs: 1)) { Model = model, TrainData = s_train, ValidationData = s_validation }.Run();
        var resume = Checkpoint.FindLatest(Path.Combine(_dir, "run"))!;
        var user = typeof(TinyUserCnn).FullName;

        // By name (what `cnnvis train --resume` does): the zoo cannot build a user's type.
        var zoo = Assert.Throws<TrainingFailedException>(() =>
            new Trainer(Options(epochs: 2) with { Model = resume.Options.Model }) { TrainData = s_train, ValidationData = s_validation }.Run(resume: resume));
        Assert.Equal($"{resume.Directory}: the checkpoint is of a user-defined model, {user}, which the model zoo cannot build; " +
                     $"resume it in code with a Trainer given a {user} (new Trainer(options) {{ Model = ... }})", zoo.Message);

        // Another type with the very same layers: refused by type, before anything is loaded or trained.
        using var other = new OtherUserCnn();
        var weights = Values(other.state_dict());
        var wrong = Assert.Throws<TrainingFailedException>(() =>
            new Trainer(Options(epochs: 2)) { Model = other, TrainData = s_train, ValidationData = s_validation }.Run(resume: resume));
        Assert.Equal($"{resume.Directory}: the checkpoint was saved from {user}, but this trainer was given {typeof(OtherUserCnn).FullName}; " +
                     "a checkpoint resumes only into the model type it was saved from", wrong.Message);
        Assert.Equal(weights, Values(other.state_dict()));
        var load = Assert.Throws<InvalidOperationException>(() => resume.LoadModel(other));
        Assert.Equal($"{resume.Directory}: the checkpoint is of the user-defined model {user} and loads only into one, not into {typeof(OtherUserCnn).FullName}", load.Message);
        Assert.Equal(weights, Values(other.state_dict()));

        // The right type loads it.
        using var same = new TinyUserCnn();
        resume.LoadModel(same);
        Assert.Equal(Stored(resume.Directory), Values(same.state_dict()));
    }

    [Fact]
    public void AZooCheckpointIsRefusedByAUserModel()
    {
        var options = Options(epochs: 1) with { Model = "fashionnet", TrainLimit = 16, ValidationLimit = 8 };
        new Trainer(options).Run();
        var resume = Checkpoint.FindLatest(options.OutputDirectory!)!;
        Assert.Null(resume.ModelType);
        using var model = new TinyUserCnn(classes: 10);
        var e = Assert.Throws<TrainingFailedException>(() => new Trainer(options with { Epochs = 2 }) { Model = model }.Run(resume: resume));
        Assert.Equal($"{resume.Directory}: the checkpoint was saved from the zoo's 'fashionnet', but this trainer was given {typeof(TinyUserCnn).FullName}; " +
                     "a checkpoint resumes only into the model type it was saved from", e.Message);
    }

    [Fact]
    public void AZooModelGivenAsAnInstanceIsRecordedAsTheZooModel()
    {
        using var model = ModelZoo.Create("fashionnet", 1, 5);
        var outcome = new Trainer(Options(epochs: 1) with { BatchSize = 20 }) { Model = model, TrainData = s_train, ValidationData = s_validation }.Run();
        var meta = Checkpoint.Read(outcome.LastCheckpoint!.Directory);
        Assert.Null(meta.ModelType);
        Assert.Equal("fashionnet", meta.Options.Model);
    }

    [Fact]
    public void BadInstancesAreRefusedByName()
    {
        using var module = new PlainModule();
        var plain = Assert.Throws<ArgumentException>(() => new Trainer(Options(1)) { Model = module });
        Assert.Equal($"{typeof(PlainModule).FullName} cannot be trained here: it does not implement IExplainableModel (which names its explanation layer) (Parameter 'Model')", plain.Message);

        var half = Assert.Throws<ArgumentException>(() => new Trainer(Options(1)) { TrainData = s_train }.Run());
        Assert.Equal("give both TrainData and ValidationData, or neither (the options' dataset is then used) (Parameter 'ValidationData')", half.Message);

        using var tenClasses = new TinyUserCnn(classes: 10);
        var classes = Assert.Throws<ArgumentException>(() => new Trainer(Options(1)) { Model = tenClasses, TrainData = s_train, ValidationData = s_validation }.Run());
        Assert.Equal($"{typeof(TinyUserCnn).FullName} predicts 10 classes, but numbered has 5 (Parameter 'Model')", classes.Message);
        Assert.False(Directory.Exists(Path.Combine(_dir, "run")), "a refused run left a folder behind");
    }
}
