using System.Text.RegularExpressions;
using CnnVis.Torch;
using Spectre.Console;

namespace CnnVis.Cli;

/// <summary>How a command reports a bad input: one red line naming what was wrong, exit code 2.</summary>
public static partial class CliErrors
{
    public const int ExitCode = 2;

    /// <summary>Errors that come from what the user gave (arguments, files, data), not from a bug.</summary>
    public static bool IsUserError(Exception e) => e is ArgumentException or IOException or InvalidDataException or TorchException
        or StateDictMismatchException or UnauthorizedAccessException or Training.Loop.TrainingFailedException;

    public static int Report(Exception e)
    {
        // ArgumentException appends " (Parameter 'x')": the message already names the input in the user's words.
        var message = ParameterSuffix().Replace(e.Message, "");
        AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
        return ExitCode;
    }

    [GeneratedRegex(@" \(Parameter '[^']*'\)$")]
    private static partial Regex ParameterSuffix();
}
