using Spectre.Console;

namespace CnnVis.Cli;

/// <summary>How the photo commands (dream, invert, features) end: done, stopped by Ctrl+C, or a mistake reported.</summary>
internal static class PhotoAction
{
    /// <summary>
    /// Runs <paramref name="body"/>: its exit code when it finishes; on Ctrl+C, a line saying nothing was written and
    /// the interrupted exit code; a user's mistake is reported through the CLI's one error funnel (anything else too,
    /// by the caller's handler).
    /// </summary>
    public static Task<int> Run(CancellationToken cancellation, Func<int> body)
    {
        try
        {
            return Task.FromResult(body());
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            AnsiConsole.MarkupLine("[yellow]stopped: nothing was written[/]");
            return Task.FromResult(Commands.ExplainCommand.InterruptedExitCode);
        }
        catch (Exception e) when (CliErrors.IsUserError(e))
        {
            return Task.FromResult(CliErrors.Report(e));
        }
    }
}
