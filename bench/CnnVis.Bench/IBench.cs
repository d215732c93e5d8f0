namespace CnnVis.Bench;

/// <summary>One benchmark: measures, prints a table and writes bench/out/&lt;Name&gt;.json.</summary>
internal interface IBench
{
    /// <summary>The subcommand that runs it, e.g. "engine".</summary>
    string Name { get; }

    /// <summary>One line on what it measures.</summary>
    string Description { get; }

    /// <summary>Runs the bench; returns the process exit code (0 when it ran, whatever the figures).</summary>
    int Run(BenchContext context);
}
