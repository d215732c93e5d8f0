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
    public void BadArgumentsAreNamedAndExitWithTwo(string arguments, string message)
    {
        var (code, output) = CliProcess.Run(_dir, ["train", .. arguments.Split(' '), "--out", Path.Combine(_dir, "run")]);
        Assert.Equal(2, code);
        Assert.Contains("error:", output);
        Assert.Contains(message, output);
        Assert.False(Directory.Exists(Path.Combine(_dir, "run", "checkpoints")));
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
