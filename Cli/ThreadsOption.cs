using System.CommandLine;
using System.Globalization;
using CnnVis.Torch;

namespace CnnVis.Cli;

/// <summary>
/// The <c>--threads</c> option of every command that computes: libtorch's CPU threads, by default the machine's cores
/// (libtorch's own default here is 1, which leaves the other cores idle).
/// </summary>
public static class ThreadsOption
{
    /// <summary>What a command uses when <c>--threads</c> is not given: one thread per core.</summary>
    public static int Default => Environment.ProcessorCount;

    /// <summary>More threads than four per core only add switching (and creating 100,000 of them hangs).</summary>
    public static int Max => 4 * Environment.ProcessorCount;

    public static Option<int> Create() => new("--threads")
    {
        Description = $"CPU threads for libtorch (default: this machine's {Default} cores)",
        DefaultValueFactory = _ => Default,
    };

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="threads"/> is from 1 to <see cref="Max"/>.</summary>
    public static void Validate(int threads)
    {
        if (threads < 1 || threads > Max)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"--threads must be from 1 to {Max} (4 per core on this machine's {Environment.ProcessorCount}), got {threads}"));
    }

    /// <summary>Checks <paramref name="threads"/> and makes libtorch use that many.</summary>
    public static void Apply(int threads)
    {
        Validate(threads);
        torch.set_num_threads(threads);
    }
}
