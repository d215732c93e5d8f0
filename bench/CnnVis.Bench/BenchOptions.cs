using System.Globalization;

namespace CnnVis.Bench;

/// <summary>Options every bench shares, parsed from the command line after the subcommand.</summary>
/// <param name="Epochs">Training epochs of the train bench (each side), when given.</param>
internal sealed record BenchOptions(int Threads, string? OutDir, string Python, bool Quick, int? Reps, int? Epochs)
{
    public const string DefaultPython = "/usr/bin/python3";

    public static BenchOptions Parse(ReadOnlySpan<string> args)
    {
        var threads = Environment.ProcessorCount;
        string? outDir = null;
        var python = DefaultPython;
        var quick = false;
        int? reps = null;
        int? epochs = null;
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
                case "--epochs":
                    var e = Value(args, ref k);
                    if (!int.TryParse(e, NumberStyles.None, CultureInfo.InvariantCulture, out var m) || m <= 0)
                        throw new ArgumentException($"--epochs needs a positive whole number, got '{e}'");
                    epochs = m;
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
        return new BenchOptions(threads, outDir, python, quick, reps, epochs);
    }

    private static string Value(ReadOnlySpan<string> args, ref int k)
    {
        if (k + 1 >= args.Length) throw new ArgumentException($"{args[k]} needs a value");
        return args[++k];
    }
}
