using System.Text.Json.Nodes;
using CnnVis.Training.Loop;

namespace CnnVis.Training.Tests.Loop;

/// <summary>What a resumed run keeps, what it may change, and where it writes.</summary>
[Collection(TrainingRunCollection.Name)]
public sealed class ResumeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cnnvis-resume-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private TrainingOptions Small(string name, int epochs = 1) => new()
    {
        Dataset = "fashion-mnist", Model = "fashionnet", Epochs = epochs, BatchSize = 32, TrainLimit = 64, ValidationLimit = 32,
        Threads = 1, Seed = 3, OutputDirectory = Path.Combine(_dir, name),
    };

    private sealed class Rates : TrainingCallback
    {
        public readonly List<double> Seen = new();
        public override void OnBatchEnd(TrainingContext c, BatchEnd b) => Seen.Add(b.LearningRate);
    }

    [Fact]
    public void EveryOptionThatMayNotChangeIsNamedWithBothValues()
    {
        var options = Small("conflicts");
        new Trainer(options).Run();
        var checkpoint = Checkpoint.FindLatest(options.OutputDirectory!)!;
        var asked = options with { Epochs = 2, Dataset = "synthetic-shapes", BatchSize = 64, Seed = 4, HorizontalFlip = true, StepEpochs = 2 };
        var e = Assert.Throws<TrainingFailedException>(() => new Trainer(asked).Run(resume: checkpoint));
        Assert.Equal($"{checkpoint.Directory}: cannot resume with options that differ from the run's: --dataset 'synthetic-shapes' (the run has 'fashion-mnist'); " +
            "--batch-size 64 (the run has 32); --seed 4 (the run has 3); StepEpochs 2 (the run has 1); --flip on (the run has off). " +
            "Only --epochs, --out, --lr and --threads may change when resuming", e.Message);
        Assert.Single(Directory.GetDirectories(Path.Combine(options.OutputDirectory!, "checkpoints")));
    }

    [Fact]
    public void ANewLearningRateAndThreadCountAreHonoured()
    {
        var options = Small("rate");
        new Trainer(options).Run();
        var checkpoint = Checkpoint.FindLatest(options.OutputDirectory!)!;
        var rates = new Rates();
        var outcome = new Trainer(options with { Epochs = 2, LearningRate = 0.01, Threads = 2 }, rates).Run(resume: checkpoint);
        Assert.Equal(TrainingStatus.Completed, outcome.Status);
        Assert.Equal(new[] { 0.01, 0.01 }, rates.Seen);
        var stored = Checkpoint.Read(outcome.LastCheckpoint!.Directory).Options;
        Assert.Equal(0.01, stored.LearningRate);
        Assert.Equal(2, stored.Threads);
        Assert.Equal(2, stored.Epochs);
    }

    [Fact]
    public void ARunIsResumedIntoTheFolderItLiesInWhateverItsStoredFolderSays()
    {
        var options = Small("original");
        new Trainer(options).Run();
        // Moved, and with the relative folder older versions stored: neither the old place nor the current directory is written.
        var moved = Path.Combine(_dir, "moved");
        Directory.Move(options.OutputDirectory!, moved);
        var meta = Path.Combine(moved, "checkpoints", "epoch-0001", Checkpoint.MetaFile);
        var json = JsonNode.Parse(File.ReadAllText(meta))!;
        json["Options"]!["OutputDirectory"] = "runs/original";
        File.WriteAllText(meta, json.ToJsonString());

        var checkpoint = Checkpoint.FindLatest(moved)!;
        Assert.Equal(moved, checkpoint.RunDirectory);
        var outcome = new Trainer(options with { Epochs = 2, OutputDirectory = null }).Run(resume: checkpoint);
        Assert.Equal(Path.Combine(moved, "checkpoints", "epoch-0002"), outcome.LastCheckpoint!.Directory);
        Assert.False(Directory.Exists(options.OutputDirectory));
        Assert.False(Directory.Exists(Path.Combine(Environment.CurrentDirectory, "runs", "original")));
        Assert.Equal(moved, Checkpoint.Read(outcome.LastCheckpoint.Directory).Options.OutputDirectory);
    }

    [Fact]
    public void NewRunsStoreTheirFolderAsAFullPath()
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, Path.Combine(_dir, "relative"));
        var outcome = new Trainer(Small("unused") with { OutputDirectory = relative }).Run();
        Assert.Equal(Path.Combine(_dir, "relative"), Checkpoint.Read(outcome.LastCheckpoint!.Directory).Options.OutputDirectory);
    }

    [Fact]
    public void AnotherOutFolderTakesTheResumedRun()
    {
        var options = Small("from");
        new Trainer(options).Run();
        var checkpoint = Checkpoint.FindLatest(options.OutputDirectory!)!;
        var elsewhere = Path.Combine(_dir, "to");
        var outcome = new Trainer(options with { Epochs = 2, OutputDirectory = elsewhere }).Run(resume: checkpoint);
        Assert.Equal(Path.Combine(elsewhere, "checkpoints", "epoch-0002"), outcome.LastCheckpoint!.Directory);
        Assert.Single(Directory.GetDirectories(Path.Combine(options.OutputDirectory!, "checkpoints")));
    }

    [Fact]
    public void AskingForNoMoreEpochsThanTrainedIsRefused()
    {
        var options = Small("done", epochs: 2);
        new Trainer(options).Run();
        var checkpoint = Checkpoint.FindLatest(options.OutputDirectory!)!;
        var e = Assert.Throws<TrainingFailedException>(() => new Trainer(options).Run(resume: checkpoint));
        Assert.Equal($"{checkpoint.Directory}: the run has already trained 2 epochs; --epochs 2 leaves nothing to train (ask for more than 2 to continue it)", e.Message);
    }

    [Fact]
    public void ASecondTrainerOnAFolderInUseIsRefusedBeforeItTrains()
    {
        var options = Small("busy");
        using var held = RunLock.Acquire(options.OutputDirectory!);
        var e = Assert.Throws<RunInUseException>(() => new Trainer(options).Run());
        Assert.StartsWith($"{options.OutputDirectory}: the run folder is in use by process {Environment.ProcessId} on ", e.Message);
        Assert.False(Directory.Exists(Path.Combine(options.OutputDirectory!, "checkpoints")));
    }

    [Fact]
    public void ASecondResumeOfARunInUseIsRefusedAndWritesNothing()
    {
        var options = Small("resumed-twice");
        new Trainer(options).Run();
        var checkpoint = Checkpoint.FindLatest(options.OutputDirectory!)!;
        using var firstResume = RunLock.Acquire(checkpoint.RunDirectory!);
        var e = Assert.Throws<RunInUseException>(() => new Trainer(options with { Epochs = 2, OutputDirectory = null }).Run(resume: checkpoint));
        Assert.StartsWith($"{options.OutputDirectory}: the run folder is in use by process {Environment.ProcessId} on ", e.Message);
        Assert.Single(Directory.GetDirectories(Path.Combine(options.OutputDirectory!, "checkpoints")));
    }

    [Fact]
    public void TheRunFolderIsHeldWhileTrainingAndFreedAfter()
    {
        var options = Small("held");
        var holds = new List<bool>();
        var outcome = new Trainer(options, new Probe(() => holds.Add(RunLock.IsHeld(options.OutputDirectory!, out _)))).Run();
        Assert.Equal(TrainingStatus.Completed, outcome.Status);
        Assert.Equal(new[] { true, true }, holds);
        Assert.False(RunLock.IsHeld(options.OutputDirectory!, out _));
    }

    private sealed class Probe(Action check) : TrainingCallback
    {
        public override void OnBatchEnd(TrainingContext c, BatchEnd b) => check();
    }

    private sealed class Recorder : TrainingCallback
    {
        public int Events;
        public override void OnTrainBegin(TrainingContext c) => Events++;
        public override void OnBatchEnd(TrainingContext c, BatchEnd b) => Events++;
    }

    [Fact]
    public void AnOutputFolderThatCannotBeMadeIsRefusedBeforeTraining()
    {
        var file = Path.Combine(_dir, "a-file");
        File.WriteAllText(file, "");
        var recorder = new Recorder();
        var output = Path.Combine(file, "run");
        var e = Assert.Throws<TrainingFailedException>(() => new Trainer(Small("x") with { OutputDirectory = output }, recorder).Run());
        Assert.StartsWith($"{output}: the output folder cannot be created (", e.Message);
        Assert.Equal(0, recorder.Events);
    }

    [Fact]
    public void AnOutputFolderThatCannotBeWrittenIsRefusedBeforeTraining()
    {
        // sysfs lets nobody, root included, create a file at its top: the folder exists but a checkpoint could never be saved there.
        var recorder = new Recorder();
        var e = Assert.Throws<TrainingFailedException>(() => new Trainer(Small("x") with { OutputDirectory = "/sys" }, recorder).Run());
        Assert.StartsWith("/sys: the output folder is not writable (", e.Message);
        Assert.Equal(0, recorder.Events);
    }
}
