using CnnVis.Torch;
using Spectre.Console;

namespace CnnVis.Cli.Tests;

/// <summary>
/// The CLI's one error funnel: what the user can fix is one line and exit code 2; running out of memory and defects
/// say what they are, with their own exit codes, and a defect's details go to a log (and to the terminal with --verbose).
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class CliErrorsTests
{
    private static (int code, string output, string error) Report(Exception e, bool verbose = false)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var console = AnsiConsole.Console;
        var stderr = Console.Error;
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Out = new AnsiConsoleOutput(output),
        });
        AnsiConsole.Console.Profile.Width = 400;
        Console.SetError(error);
        try
        {
            return (CliErrors.Report(e, verbose), output.ToString(), error.ToString());
        }
        finally
        {
            AnsiConsole.Console = console;
            Console.SetError(stderr);
        }
    }

    private static T Caught<T>(Action action) where T : Exception => Assert.Throws<T>(action);

    [Fact]
    public void ARefusedInputIsOneLineAndExitCodeTwo()
    {
        using var a = torch.zeros(new long[] { 2, 3 });
        using var b = torch.zeros(new long[] { 4, 5 });
        var (code, output, error) = Report(Caught<TorchException>(() => a.matmul(b)), verbose: true);
        Assert.Equal(2, code);
        Assert.Single(output.TrimEnd().Split('\n'));
        Assert.StartsWith("error: aten::matmul: mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)", output);
        Assert.Equal("", error);
    }

    [Fact]
    public void RunningOutOfMemoryIsAResourceLimitNotTheUsersFault()
    {
        var oom = Caught<TorchOutOfMemoryException>(() => torch.empty(new long[] { 1L << 50 }));
        var (code, output, _) = Report(oom);
        Assert.Equal(CliErrors.ResourceLimitExitCode, code);
        Assert.Equal(3, code);
        Assert.StartsWith("error: out of memory: aten::empty.memory_format: [enforce fail at alloc_cpu.cpp", output);
        Assert.Contains("This is a limit of the machine, not a fault in the input", output);

        // Wrapped by a reader that names its file, it is still a resource limit, and so is .NET's own.
        Assert.Equal(3, Report(new InvalidDataException("images/a.png: out of memory", oom)).code);
        Assert.Equal(3, Report(new OutOfMemoryException("Array dimensions exceeded supported range.")).code);
    }

    [Fact]
    public void ADefectSaysSoAndLeavesItsDetailsInALog()
    {
        var defect = Caught<NullReferenceException>(() => ((string)null!).Trim());
        var (code, output, error) = Report(defect);
        Assert.Equal(70, code);
        Assert.StartsWith("internal error (a defect in CnnVis, not in what you gave): NullReferenceException: Object reference not set to an instance of an object.", output);
        Assert.Equal("", error);
        var log = output.Split("Details: ")[1].Split(" (or run again with --verbose)")[0];
        try
        {
            Assert.Contains(nameof(ADefectSaysSoAndLeavesItsDetailsInALog), File.ReadAllText(log));
        }
        finally
        {
            File.Delete(log);
        }

        var engine = Report(new TorchInternalException("aten::foo: INTERNAL ASSERT FAILED at bar.cpp:1"), verbose: true);
        Assert.Equal(70, engine.code);
        Assert.StartsWith("CnnVis.Torch.TorchInternalException: aten::foo: INTERNAL ASSERT FAILED", engine.error);
        File.Delete(engine.output.Split("Details: ")[1].Split(" (or run again with --verbose)")[0]);
    }

    [Fact]
    public void OnlyUserErrorsAreLeftToTheCommands()
    {
        Assert.True(CliErrors.IsUserError(new ArgumentException("--epochs must be at least 1")));
        Assert.True(CliErrors.IsUserError(new TorchException("bad shape")));
        Assert.False(CliErrors.IsUserError(new TorchOutOfMemoryException("out of memory")));
        Assert.False(CliErrors.IsUserError(new TorchInternalException("INTERNAL ASSERT FAILED")));
        Assert.False(CliErrors.IsUserError(new InvalidDataException("x.png", new TorchInternalException("unknown native error"))));
        Assert.Equal(CliErrorKind.Defect, CliErrors.Classify(new InvalidOperationException("sequence contains no elements")));
    }
}
