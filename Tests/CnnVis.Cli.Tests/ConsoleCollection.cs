namespace CnnVis.Cli.Tests;

/// <summary>Tests that redirect the process's console run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCollection
{
    public const string Name = "Console";
}
