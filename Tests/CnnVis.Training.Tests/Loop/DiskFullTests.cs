using CnnVis.Torch;
using CnnVis.Training.Loop;
using CnnVis.Training.Models;

namespace CnnVis.Training.Tests.Loop;

/// <summary>A disk that fills up while a checkpoint is written: the run says so, and the checkpoint before it stays whole.</summary>
[Collection(TrainingRunCollection.Name)]
public sealed class DiskFullTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cnnvis-diskfull-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // Writes normally until the given checkpoint folder, then fails its optimizer state as a full disk does.
    private sealed class FillingDisk(string failIn, Func<string, Exception> failure, long free) : CheckpointStorage
    {
        public override void SaveTensors(IEnumerable<KeyValuePair<string, Tensor>> tensors, string path)
        {
            if (path.Contains(failIn, StringComparison.Ordinal) && path.EndsWith(Checkpoint.OptimizerFile, StringComparison.Ordinal)) throw failure(path);
            base.SaveTensors(tensors, path);
        }

        public override long? FreeBytes(string directory) => free;
    }

    private TrainingOptions Small() => new()
    {
        Dataset = "fashion-mnist", Model = "fashionnet", Epochs = 2, BatchSize = 32, TrainLimit = 64, ValidationLimit = 32,
        Threads = 1, Seed = 3, OutputDirectory = Path.Combine(_dir, "run"),
    };

    private void AssertFirstCheckpointIntact(string run)
    {
        var checkpoints = Path.Combine(run, "checkpoints");
        Assert.Equal(new[] { Path.Combine(checkpoints, "epoch-0001") }, Directory.GetDirectories(checkpoints));
        var latest = Checkpoint.FindLatest(run)!;
        Assert.Equal(1, latest.Epoch);
        using var model = new FashionNet();
        Checkpoint.LoadWeights(latest.Directory, model);
        foreach (var t in torch.load(Path.Combine(latest.Directory, Checkpoint.OptimizerFile)).Values) t.Dispose();
    }

    [Fact]
    public void NoSpaceLeftSaysTheDiskIsFullAndThatThePreviousCheckpointIsIntact()
    {
        var options = Small();
        var disk = new FillingDisk("epoch-0002", p => new IOException($"No space left on device : '{p}'", 28), free: 0);
        var e = Assert.Throws<TrainingFailedException>(() => new Trainer(options) { Storage = disk }.Run());
        var checkpoints = Path.Combine(options.OutputDirectory!, "checkpoints");
        Assert.StartsWith($"{Path.Combine(checkpoints, "epoch-0002")}: the disk is full (0.0 MB free, a checkpoint needs about ", e.Message);
        Assert.EndsWith($" MB): this checkpoint was not saved and the previous checkpoint, {Path.Combine(checkpoints, "epoch-0001")}, is intact. " +
            $"Free some space, then resume with --resume {options.OutputDirectory}", e.Message);
        AssertFirstCheckpointIntact(options.OutputDirectory!);
        Assert.False(RunLock.IsHeld(options.OutputDirectory!, out _));
    }

    [Fact]
    public void AWriterThatDoesNotSayWhyIsReadAsAFullDiskWhenNoCheckpointFits()
    {
        // libtorch's writer reports only "failed writing '...'": the free space tells the story.
        var options = Small();
        var disk = new FillingDisk("epoch-0002", p => new TorchException($"failed writing '{p}.tmp-1'"), free: 4096);
        var e = Assert.Throws<TrainingFailedException>(() => new Trainer(options) { Storage = disk }.Run());
        Assert.Contains(": the disk is full (0.0 MB free, a checkpoint needs about ", e.Message);
        Assert.IsType<TorchException>(e.InnerException);
        AssertFirstCheckpointIntact(options.OutputDirectory!);
    }

    [Fact]
    public void AnotherWriteFailureIsReportedAsItIsWithThePreviousCheckpointIntact()
    {
        var options = Small();
        var disk = new FillingDisk("epoch-0002", p => new IOException($"Input/output error : '{p}'", 5), free: long.MaxValue);
        var e = Assert.Throws<TrainingFailedException>(() => new Trainer(options) { Storage = disk }.Run());
        var checkpoints = Path.Combine(options.OutputDirectory!, "checkpoints");
        Assert.Equal($"{Path.Combine(checkpoints, "epoch-0002")}: the checkpoint could not be saved (Input/output error : " +
            $"'{Path.Combine(checkpoints, "epoch-0002.partial", Checkpoint.OptimizerFile)}'); the previous checkpoint, {Path.Combine(checkpoints, "epoch-0001")}, is intact", e.Message);
        AssertFirstCheckpointIntact(options.OutputDirectory!);
    }
}
