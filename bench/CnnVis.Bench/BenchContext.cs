using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CnnVis.Torch;

namespace CnnVis.Bench;

/// <summary>What every bench needs: the thread count (already applied to libtorch), where to write, the PyTorch side.</summary>
internal sealed class BenchContext
{
    private BenchContext(BenchOptions options, string benchDir, string outDir)
    {
        Options = options;
        BenchDir = benchDir;
        OutDir = outDir;
    }

    public BenchOptions Options { get; }

    public int Threads => Options.Threads;

    public bool Quick => Options.Quick;

    /// <summary>The repository's bench/ folder: the PyTorch reference scripts live there.</summary>
    public string BenchDir { get; }

    public string OutDir { get; }

    public static BenchContext Create(BenchOptions options)
    {
        var benchDir = FindBenchDir();
        var outDir = Path.GetFullPath(options.OutDir ?? Path.Combine(benchDir, "out"));
        Directory.CreateDirectory(outDir);
        // The C# side runs with the allocator setting CnnVis trains with (the trainer takes it at the start of a run;
        // here it holds for every bench). Each PyTorch figure comes twice: glibc's default and the same setting.
        torch.keep_freed_memory(Console.Out);
        torch.set_num_threads(options.Threads);
        if (torch.get_num_threads() != options.Threads)
            throw new InvalidOperationException($"libtorch runs {torch.get_num_threads()} threads after set_num_threads({options.Threads})");
        return new BenchContext(options, benchDir, outDir);
    }

    private static string FindBenchDir()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CnnVis.Bench", "CnnVis.Bench.csproj"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException($"bench/ was not found above {AppContext.BaseDirectory}: run the bench from the repository (bench/run.sh)");
    }

    /// <summary>
    /// A bench's figures behind the fields every bench/out/*.json starts with (bench, quick, thread and core counts,
    /// load averages, libtorch and PyTorch versions), in that order.
    /// </summary>
    /// <param name="pytorchSameAllocatorOnly">The PyTorch side ran only with CnnVis's allocator setting (no as-shipped turn).</param>
    public JsonObject Figures(string bench, JsonArray loadStart, JsonArray loadEnd, string pytorchVersion, JsonObject figures,
        bool pytorchSameAllocatorOnly = false)
    {
        var same = $"{PyTorchWorker.MmapVariable}={torch.KeptFreedMemoryThreshold} {PyTorchWorker.TrimVariable}={torch.KeptFreedMemoryThreshold} (the same setting)";
        var json = new JsonObject
        {
            ["bench"] = bench,
            ["quick"] = Quick,
            ["allocator"] = new JsonObject
            {
                ["csharp"] = $"torch.keep_freed_memory(): glibc mmap and trim thresholds {torch.KeptFreedMemoryThreshold} bytes (in force: {torch.keeps_freed_memory()})",
                ["pytorch"] = pytorchSameAllocatorOnly ? same : "glibc's default (as shipped)",
                ["pytorch_same"] = same,
            },
            ["timestamp_utc"] = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
            ["threads"] = Threads,
            ["cores"] = Environment.ProcessorCount,
            ["load_average_start"] = loadStart,
            ["load_average_end"] = loadEnd,
            ["libtorch_version"] = torch.__version__,
            ["pytorch_version"] = pytorchVersion,
        };
        foreach (var name in figures.Select(kv => kv.Key).ToList())
        {
            var node = figures[name];
            figures.Remove(name);
            json[name] = node;
        }
        return json;
    }

    /// <summary>Writes bench/out/&lt;name&gt;.json and returns its path.</summary>
    public string WriteJson(string name, JsonObject figures)
    {
        var path = Path.Combine(OutDir, name + ".json");
        // Relaxed escaping keeps "+" and "µ" readable; the file is read by people and scripts, never embedded in HTML.
        var options = new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        File.WriteAllText(path, figures.ToJsonString(options) + Environment.NewLine);
        return path;
    }
}
