using System.Text.RegularExpressions;
using CnnVis.Torch;
using Spectre.Console;

namespace CnnVis.Cli;

/// <summary>
/// The one place the CLI turns an exception into what the user sees and an exit code. A user error is one red line
/// naming the input (exit 2); a resource limit says so (exit 3); a defect says it is one, with the details written to
/// a log file, and to the terminal with --verbose (exit 70, sysexits' EX_SOFTWARE).
/// </summary>
public static partial class CliErrors
{
    public const int ExitCode = 2;
    public const int ResourceLimitExitCode = 3;
    public const int DefectExitCode = 70;

    public static int ExitCodeOf(CliErrorKind kind) => kind switch
    {
        CliErrorKind.UserError => ExitCode,
        CliErrorKind.ResourceLimit => ResourceLimitExitCode,
        _ => DefectExitCode,
    };

    /// <summary>
    /// Who can act on <paramref name="e"/>. A wrapper (an unreadable image, a failed training) takes the kind of what
    /// it wraps when that is a resource limit or a defect: being out of memory while reading a file is not the file's fault.
    /// </summary>
    public static CliErrorKind Classify(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is TorchOutOfMemoryException or OutOfMemoryException) return CliErrorKind.ResourceLimit;
            if (inner is TorchInternalException) return CliErrorKind.Defect;
        }
        return e is ArgumentException or IOException or InvalidDataException or TorchException or StateDictMismatchException
            or UnauthorizedAccessException or Visualizers.Rendering.MissingFontException or Training.Loop.TrainingFailedException or Monitor.Store.RunStoreException
            ? CliErrorKind.UserError
            : CliErrorKind.Defect;
    }

    /// <summary>Errors that come from what the user gave (arguments, files, data), not from a bug or the machine.</summary>
    public static bool IsUserError(Exception e) => Classify(e) == CliErrorKind.UserError;

    /// <summary>Tells the user what went wrong and returns the exit code for it.</summary>
    public static int Report(Exception e, bool verbose = false)
    {
        var kind = Classify(e);
        // ArgumentException appends " (Parameter 'x')": the message already names the input in the user's words.
        var message = ParameterSuffix().Replace(e.Message, "");
        switch (kind)
        {
            case CliErrorKind.UserError:
                AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
                break;
            case CliErrorKind.ResourceLimit:
                AnsiConsole.MarkupLine($"[red]error: out of memory:[/] {Markup.Escape(message)}");
                AnsiConsole.MarkupLine("This is a limit of the machine, not a fault in the input: use smaller images or batches, or more memory.");
                break;
            default:
                AnsiConsole.MarkupLine($"[red]internal error (a defect in CnnVis, not in what you gave):[/] {Markup.Escape(e.GetType().Name)}: {Markup.Escape(message)}");
                var log = WriteLog(e);
                AnsiConsole.MarkupLine(log is null
                    ? "The details could not be written to a log; run again with --verbose to see them."
                    : $"Details: [blue]{Markup.Escape(log)}[/] (or run again with --verbose). Please report it with that file.");
                break;
        }
        if (verbose && kind != CliErrorKind.UserError) Console.Error.WriteLine(e.ToString());
        return ExitCodeOf(kind);
    }

    // The full exception, stack traces included, in a file named after the time and process.
    private static string? WriteLog(Exception e)
    {
        try
        {
            var path = Path.Combine(Path.GetTempPath(), $"cnnvis-error-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}.log");
            File.WriteAllText(path, $"cnnvis {string.Join(' ', Environment.GetCommandLineArgs().Skip(1))}\n{DateTime.UtcNow:O}\n\n{e}\n");
            return path;
        }
        catch (Exception io) when (io is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    [GeneratedRegex(@" \(Parameter '[^']*'\)$")]
    private static partial Regex ParameterSuffix();
}
