using System.CommandLine;
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
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var parse = Build().Parse(args);
        return await parse.InvokeAsync();
    }
}
