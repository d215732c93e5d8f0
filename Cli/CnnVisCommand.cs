using System.CommandLine;
using System.Runtime.InteropServices;
using CnnVis.Cli.Commands;

namespace CnnVis.Cli;

/// <summary>The root `cnnvis` command and its subcommands.</summary>
public static class CnnVisCommand
{
    public static RootCommand Build()
    {
        var root = new RootCommand("CnnVis: watch what a convolutional network looks at while it trains.");
        root.Subcommands.Add(TrainCommand.Build());
        root.Subcommands.Add(ExplainCommand.Build());
        root.Subcommands.Add(DemoCommand.Build());
        root.Subcommands.Add(InfoCommand.Build());
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
        return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, stop.Token);
    }
}
