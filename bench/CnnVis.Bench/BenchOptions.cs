using System.Globalization;

namespace CnnVis.Bench;

/// <summary>Options every bench shares, parsed from the command line after the subcommand.</summary>
internal sealed record BenchOptions(int Threads, string? OutDir, string Python, bool Quick, int? Reps, bool KeepFreedMemory)
{
    public const string DefaultPython = "/usr/bin/python3";

    public static BenchOptions Parse(ReadOnlySpan<string> args)
    {
        var threads = Environment.ProcessorCount;
        string? outDir = null;
        var python = DefaultPython;
        var quick = false;
        int? reps = null;
        var keepFreedMemory = false;
        for (var k = 0; k < args.Length; k++)
        {
            switch (args[k])
            {
                case "--threads":
                    var text = Value(args, ref k);
                    if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out threads) || threads <= 0)
                        throw new ArgumentException($"--threads needs a positive whole number, got '{text}'");
                    break;
                case "--out":
                    outDir = Value(args, ref k);
                    break;
                case "--python":
                    python = Value(args, ref k);
                    break;
                case "--quick":
                    quick = true;
                    break;
                case "--keep-freed-memory":
                    keepFreedMemory = true;
                    break;
                case "--reps":
                    var r = Value(args, ref k);
                    if (!int.TryParse(r, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0)
                        throw new ArgumentException($"--reps needs a positive whole number, got '{r}'");
                    reps = n;
                    break;
                default:
                    throw new ArgumentException($"unknown option '{args[k]}'");
            }
        }
        return new BenchOptions(threads, outDir, python, quick, reps, keepFreedMemory);
    }

    private static string Value(ReadOnlySpan<string> args, ref int k)
    {
        if (k + 1 >= args.Length) throw new ArgumentException($"{args[k]} needs a value");
        return args[++k];
    }
}
