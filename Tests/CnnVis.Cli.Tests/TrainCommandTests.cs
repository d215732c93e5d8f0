namespace CnnVis.Cli.Tests;

public sealed class TrainCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cnnvis-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("--epochs -1", "--epochs must be positive")]
    [InlineData("--batch-size 0", "--batch-size must be positive")]
    [InlineData("--model lenet", "unknown model 'lenet'")]
    [InlineData("--optimizer rmsprop", "unknown optimizer 'rmsprop'")]
    [InlineData("--dataset imagenet", "unknown dataset 'imagenet'")]
    [InlineData("--lr 1e39", "error: --lr must be a positive number no larger than 1000000 (larger rates overflow the optimizer's 32-bit arithmetic), got 1E+39")]
    [InlineData("--threads 100000", "error: --threads must be at most 256 (this machine has")]
    [InlineData("--dataset synthetic-shapes?count=2e9", "error: 'synthetic-shapes?count=2e9': count must be 1 to 10,000,000 images, got 2e9")]
    [InlineData("--dataset folder:/nonexistent?size=4096", "error: 'folder:/nonexistent?size=4096': size must be 1 to 1,024 pixels, got 4096")]
    public void BadArgumentsAreNamedAndExitWithTwo(string arguments, string message)
    {
        var (code, output) = CliProcess.Run(_dir, ["train", .. arguments.Split(' '), "--out", Path.Combine(_dir, "run")]);
        Assert.Equal(2, code);
        Assert.Contains("error:", output);
        Assert.Contains(message, Flat(output));
        Assert.False(Directory.Exists(Path.Combine(_dir, "run")));
    }

    [Fact]
    public void AMissingDatasetFolderIsNamed()
    {
        var (code, output) = CliProcess.Run(_dir, "train", "--dataset", $"fashion-mnist?dir={_dir}/none", "--out", Path.Combine(_dir, "run"));
        Assert.Equal(2, code);
        Assert.Contains($"{_dir}/none", output);
    }

    [Fact]
    public void TrainsSavesACheckpointAndResumes()
    {
        var run = Path.Combine(_dir, "run");
        var (code, output) = CliProcess.Run(_dir, "train", "--epochs", "1", "--train-limit", "256", "--validation-limit", "128",
            "--batch-size", "64", "--threads", "1", "--out", run);
        Assert.True(code == 0, output);
        Assert.Contains("epoch 1: train loss", output);
        Assert.True(File.Exists(Path.Combine(run, "checkpoints", "epoch-0001", "model.pt")));

        (code, output) = CliProcess.Run(_dir, "train", "--resume", run, "--epochs", "2");
        Assert.True(code == 0, output);
        Assert.Contains("epoch 2: train loss", output);
        Assert.DoesNotContain("epoch 1: train loss", output);
        Assert.True(File.Exists(Path.Combine(run, "checkpoints", "epoch-0002", "model.pt")));
    }

    // Long lines wrap at the terminal's width: compare text with every run of white space as one space.
    private static string Flat(string text) => System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " ");

    private (int code, string output) TrainSmall(string workingDirectory, string output, params string[] more) =>
        CliProcess.Run(workingDirectory, ["train", "--train-limit", "64", "--validation-limit", "32", "--batch-size", "32", "--threads", "1", "--out", output, .. more]);

    [Fact]
    public void ResumingWithoutEpochsTrainsToTheRunsOwnCount()
    {
        var run = Path.Combine(_dir, "run");
        var (code, output) = TrainSmall(_dir, run, "--epochs", "2");
        Assert.True(code == 0, output);
        // As if stopped after the first of its two epochs.
        Directory.Delete(Path.Combine(run, "checkpoints", "epoch-0002"), recursive: true);

        (code, output) = CliProcess.Run(_dir, "train", "--resume", run);
        Assert.True(code == 0, output);
        Assert.Contains($"resuming from {Path.Combine(run, "checkpoints", "epoch-0001")} (after epoch 1, step 2)", Flat(output));
        Assert.Contains("epoch 2: train loss", output);
        Assert.DoesNotContain("epoch 3", output);
        Assert.Contains("trained 2 epochs (4 steps)", output);
        Assert.True(File.Exists(Path.Combine(run, "checkpoints", "epoch-0002", "model.pt")));
    }

    [Fact]
    public void ResumingWritesIntoTheResumedRunWhateverTheCurrentFolder()
    {
        var first = Directory.CreateDirectory(Path.Combine(_dir, "first")).FullName;
        var other = Directory.CreateDirectory(Path.Combine(_dir, "other")).FullName;
        var (code, output) = TrainSmall(first, "run", "--epochs", "1");
        Assert.True(code == 0, output);

        (code, output) = CliProcess.Run(other, "train", "--resume", Path.Combine(first, "run"), "--epochs", "2");
        Assert.True(code == 0, output);
        Assert.True(File.Exists(Path.Combine(first, "run", "checkpoints", "epoch-0002", "model.pt")));
        Assert.Empty(Directory.GetFileSystemEntries(other));
    }

    [Fact]
    public void ResumingRefusesOptionsThatMayNotChangeNamingEachAndHonoursTheRate()
    {
        var run = Path.Combine(_dir, "run");
        var (code, output) = TrainSmall(_dir, run, "--epochs", "1");
        Assert.True(code == 0, output);
        var checkpoint = Path.Combine(run, "checkpoints", "epoch-0001");

        (code, output) = CliProcess.Run(_dir, "train", "--resume", run, "--epochs", "2", "--model", "vgg-small", "--batch-size", "64", "--lr", "0.01");
        Assert.Equal(2, code);
        Assert.Contains($"error: {checkpoint}: cannot resume with options that differ from the run's: --model 'vgg-small' (the run has 'fashionnet'); " +
            "--batch-size 64 (the run has 32). Only --epochs, --out, --lr and --threads may change when resuming", Flat(output));
        Assert.False(Directory.Exists(Path.Combine(run, "checkpoints", "epoch-0002")));

        // The same value as stored is no conflict; a new rate is used and stored.
        (code, output) = CliProcess.Run(_dir, "train", "--resume", run, "--epochs", "2", "--model", "fashionnet", "--lr", "0.01");
        Assert.True(code == 0, output);
        Assert.Contains("adam lr 0.01, batch 32", Flat(output));
        Assert.Equal(0.01, CnnVis.Training.Loop.Checkpoint.Read(Path.Combine(run, "checkpoints", "epoch-0002")).Options.LearningRate);
    }

    [Fact]
    public void ABadStoredOptionIsNamedWithItsFile()
    {
        var run = Path.Combine(_dir, "run");
        var (code, output) = TrainSmall(_dir, run, "--epochs", "1");
        Assert.True(code == 0, output);
        var meta = Path.Combine(run, "checkpoints", "epoch-0001", "checkpoint.json");
        File.WriteAllText(meta, File.ReadAllText(meta).Replace("\"Threads\": 1,", "\"Threads\": 100000,", StringComparison.Ordinal));

        (code, output) = CliProcess.Run(_dir, "train", "--resume", run, "--epochs", "2");
        Assert.Equal(2, code);
        Assert.Contains($"error: {meta}: the stored field 'Options.Threads' must be at most 256", Flat(output));
    }

    [Fact]
    public void AnOutFolderThatCannotBeMadeIsRefusedBeforeTraining()
    {
        var file = Path.Combine(_dir, "file");
        File.WriteAllText(file, "");
        var (code, output) = TrainSmall(_dir, Path.Combine(file, "run"), "--epochs", "1");
        Assert.Equal(2, code);
        Assert.Contains($"error: {Path.Combine(file, "run")}: the output folder cannot be created (", Flat(output));
        Assert.DoesNotContain("training fashionnet", output);
    }

    [Fact]
    public void ResumingFromAFolderWithoutCheckpointsSaysSo()
    {
        var (code, output) = CliProcess.Run(_dir, "train", "--resume", _dir);
        Assert.Equal(2, code);
        Assert.Contains("no checkpoint to resume from", output);
    }

    [Fact]
    public void HelpListsTheOptionsANewUserNeeds()
    {
        var (code, output) = CliProcess.Run(_dir, "train", "--help");
        Assert.Equal(0, code);
        foreach (var option in new[] { "--dataset", "--model", "--epochs", "--optimizer", "--lr", "--batch-size", "--seed", "--out", "--resume" })
            Assert.Contains(option, output);
    }
}
