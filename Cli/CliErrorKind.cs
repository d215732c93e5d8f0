namespace CnnVis.Cli;

/// <summary>Who can act on an error, which decides the exit code and what the message says.</summary>
public enum CliErrorKind
{
    /// <summary>A bad argument, file or input: the user can fix it (exit code 2).</summary>
    UserError,

    /// <summary>The machine ran out of something (memory): a smaller input or batch, or a bigger machine (exit code 3).</summary>
    ResourceLimit,

    /// <summary>A defect in CnnVis or the engine: nothing the user gave explains it (exit code 70).</summary>
    Defect,
}
