using CnnVis.Bench;

// CnnVis.Bench: benchmarks that run the PyTorch reference side by side on the same libtorch.
//   CnnVis.Bench <bench|all> [--threads N] [--out DIR] [--python PATH] [--quick] [--reps N] [--epochs N]
// A bench is one class implementing IBench; adding one means adding its file and a line below.
IBench[] benches =
[
    new EngineBench(),
    new TrainBench(),
    new ExplainBench(),
    new MonitorBench(),
    new ResNetBench(),
    new DashboardBench(),
    new SnapshotBench(),
    new DreamBench(),
];

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    PrintUsage(benches);
    return args.Length == 0 ? 2 : 0;
}

BenchOptions options;
try
{
    options = BenchOptions.Parse(args.AsSpan(1));
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    PrintUsage(benches);
    return 2;
}

IBench[] selected;
if (args[0] == "all")
{
    selected = benches;
}
else if (benches.FirstOrDefault(b => b.Name == args[0]) is { } bench)
{
    selected = [bench];
}
else
{
    Console.Error.WriteLine($"error: there is no bench '{args[0]}'");
    PrintUsage(benches);
    return 2;
}

var context = BenchContext.Create(options);
var rc = 0;
foreach (var b in selected)
{
    Console.WriteLine();
    Console.WriteLine($"=== {b.Name}: {b.Description} ===");
    rc = Math.Max(rc, b.Run(context));
}
return rc;

static void PrintUsage(IEnumerable<IBench> benches)
{
    Console.Error.WriteLine("usage: CnnVis.Bench <bench|all> [--threads N] [--out DIR] [--python PATH] [--quick] [--reps N] [--epochs N]");
    Console.Error.WriteLine("benches:");
    foreach (var b in benches) Console.Error.WriteLine($"  {b.Name,-10} {b.Description}");
    Console.Error.WriteLine("options:");
    Console.Error.WriteLine("  --threads N    intra-op threads for libtorch, on both sides (default: the machine's cores)");
    Console.Error.WriteLine("  --out DIR      where <bench>.json is written (default: bench/out)");
    Console.Error.WriteLine("  --python PATH  the Python that has torch (default: /usr/bin/python3)");
    Console.Error.WriteLine("  --quick        fewer iterations: a smoke run, not a measurement");
    Console.Error.WriteLine("  --reps N       timed repetitions per side (default: each bench's own)");
    Console.Error.WriteLine("  --epochs N     train: epochs per side (default 3), test accuracy reported after each");
}
