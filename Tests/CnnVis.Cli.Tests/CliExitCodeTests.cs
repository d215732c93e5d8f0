namespace CnnVis.Cli.Tests;

/// <summary>The funnel as a user meets it: the real program, its --verbose option and its exit codes.</summary>
public sealed class CliExitCodeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cnnvis-exit-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void VerboseIsAcceptedEverywhereAndAUserErrorStaysOneLine()
    {
        var (code, output) = CliProcess.Run(_dir, "explain", "--verbose", "--checkpoint", "missing.pt", "--model", "fashionnet",
            "--indices", "0", "--out", "x.png");
        Assert.Equal(2, code);
        Assert.Equal("error: --checkpoint missing.pt: no such file, and no checkpoint folder there", output.Trim());
    }
}
