using System.CommandLine;
using System.Runtime.InteropServices;
using CnnVis.Cli.Commands;

namespace CnnVis.Cli;

/// <summary>The root `cnnvis` command and its subcommands.</summary>
public static class CnnVisCommand
{
    /// <summary>Prints the details of an internal error or a resource limit to the terminal (they always go to a log).</summary>
    public static readonly Option<bool> Verbose = new("--verbose") { Description = "print the details of an internal error", Recursive = true };

    public static RootCommand Build()
    {
        var root = new RootCommand("CnnVis: watch what a convolutional network looks at while it trains.");
        root.Options.Add(Verbose);
        root.Subcommands.Add(TrainCommand.Build());
        root.Subcommands.Add(ExplainCommand.Build());
        root.Subcommands.Add(DreamCommand.Build());
        root.Subcommands.Add(InvertCommand.Build());
        root.Subcommands.Add(FeaturesCommand.Build());
        root.Subcommands.Add(DemoCommand.Build());
        root.Subcommands.Add(InfoCommand.Build());
        root.Subcommands.Add(RunsCommand.Build());
        root.Subcommands.Add(ServeCommand.Build());
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        // The first Ctrl+C (or SIGTERM) asks the running command to stop cleanly (training saves a checkpoint);
        // a second one is not intercepted and ends the process at once.
        using var stop = new CancellationTokenSource();
        void Request(PosixSignalContext context)
        {
            if (stop.IsCancellationRequested) return;
            context.Cancel = true;
            Console.Error.WriteLine("stopping after the current step (press Ctrl+C again to quit at once)...");
            stop.Cancel();
        }
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Request);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Request);
        var parse = Build().Parse(args);
        try
        {
            // Commands report the errors a user can fix themselves; everything else ends here, in the same funnel.
            return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false }, stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Console.Error.WriteLine("stopped");
            return 130;
        }
        catch (Exception e)
        {
            return CliErrors.Report(e, parse.GetValue(Verbose));
        }
    }
}
