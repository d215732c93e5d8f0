using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using CnnVis.Monitor;
using CnnVis.Torch;
using CnnVis.Training.Data;
using CnnVis.Training.Loop;
using CnnVis.Training.Models;
using CnnVis.Visualizers;
using CnnVis.Visualizers.Rendering;
using CnnVis.Visualizers.Targets;
using static CnnVis.Bench.Format;

namespace CnnVis.Bench;

/// <summary>
/// Explanation methods on FashionNet, CnnVis.Visualizers against PyTorch code written from the papers
/// (bench/explain.py), on the same weights (the test suite's PyTorch-made fixture) and the same probes (the first
/// Fashion-MNIST test images), the target being the predicted class: (a) agreement of the maps, each divided by its
/// largest |value|; (b) milliseconds per method alone on both sides, in turn; (c) the fused pass of the
/// one-forward-one-backward methods against the sum of those methods run one call each in PyTorch; (d) the sampling
/// methods against reference figures measured with pytorch-grad-cam and Captum (their source: bench/README.md). The C#
/// side keeps freed memory (CnnVis's allocator setting); PyTorch runs twice, with glibc's default and with the same setting.
/// </summary>
internal sealed class ExplainBench : IBench
{
    private const double FusedRatioTarget = 3;
    private const double ReferenceSpeedupTarget = 1.5;
    private const double DifferenceTarget = 1e-4;

    /// <summary>The methods of the fused pass: one standard forward and backward, one guided forward and backward.</summary>
    private static readonly string[] s_fused =
        ["cam", "gradcam", "gradcam++", "layercam", "saliency", "gradient-x-input", "guided-backprop", "guided-gradcam"];

    /// <summary>The methods that sample (many forwards), with CnnVis's catalog settings: IG 32 steps, SmoothGrad 16, occlusion 4x4/2.</summary>
    private static readonly string[] s_sampling = ["integrated-gradients", "smoothgrad", "scorecam", "occlusion"];

    /// <summary>The methods whose maps are compared with PyTorch's (SmoothGrad's noise differs between the sides).</summary>
    private static readonly string[] s_compared = [.. s_fused, "integrated-gradients", "scorecam", "occlusion"];

    /// <summary>The methods required to agree with PyTorch within the target.</summary>
    private static readonly string[] s_required = ["gradcam", "gradcam++", "layercam", "saliency", "guided-backprop", "integrated-gradients"];

    /// <summary>pytorch-grad-cam's and Captum's ms on the same model and 64 probes (source: bench/README.md, "Reference figures").</summary>
    private static readonly Dictionary<string, double> s_reference = new()
    {
        ["gradcam"] = 64, ["gradcam++"] = 67, ["layercam"] = 65, ["scorecam"] = 2590, ["saliency"] = 40, ["guided-backprop"] = 42,
        ["integrated-gradients"] = 2820, ["smoothgrad"] = 1220, ["occlusion"] = 3170,
    };

    /// <summary>The timing key of the fused set: C#'s one pass, PyTorch's 8 calls in a row.</summary>
    private const string FusedKey = "fused";

    public string Name => "explain";

    public string Description => "explanation maps on FashionNet vs PyTorch written from the papers: agreement, ms per method, the fused pass";

    /// <param name="Probes">Test images explained at once.</param>
    /// <param name="FastReps">Repetitions per side of each one-pass method and of the fused pass.</param>
    /// <param name="FastCalls">Calls in a row per repetition of those (their time is divided by it).</param>
    /// <param name="SamplingReps">Repetitions per side of each sampling method (one call each).</param>
    private sealed record Settings(int Probes, int FastReps, int FastCalls, int SamplingReps);

    private static readonly Settings Full = new(64, 9, 4, 3);
    private static readonly Settings Quick = new(16, 2, 1, 1);

    public int Run(BenchContext context)
    {
        var s = context.Quick ? Quick : Full;
        if (context.Options.Reps is { } reps) s = s with { FastReps = reps, SamplingReps = reps };
        var loadStart = LoadAverage();
        var weights = Path.Combine(Path.GetDirectoryName(context.BenchDir)!, "Tests", "CnnVis.Training.Tests", "Fixtures", "fashionnet_pytorch.pt");
        Console.WriteLine($"libtorch {torch.__version__}, {context.Threads} thread(s) on {Environment.ProcessorCount} core(s), load average {loadStart.ToJsonString()}" +
            (context.Quick ? $", quick run on {s.Probes} probes (figures are not measurements)" : ""));
        Console.WriteLine($"FashionNet weights: {weights} (made by PyTorch); probes: the first {s.Probes} Fashion-MNIST test images; target: the predicted class");

        using var model = new FashionNet();
        Checkpoint.LoadWeights(weights, model);
        // The first test images, normalised as FashionNet sees them: [N, 1, 28, 28].
        using var probeSet = ProbeSet.FromIndices(new FashionMnist(train: false), Enumerable.Range(0, s.Probes).ToArray());
        var probes = probeSet.Images;
        var alone = s_fused.Concat(s_sampling).ToDictionary(n => n, n => ExplanationMethods.Create(n));
        var fused = new ExplanationPass(ExplanationMethods.CreateMany(s_fused));

        Console.WriteLine("starting the PyTorch side (bench/explain.py) and warming up both sides");
        using var py = PyTorchWorker.Start(context, "explain.py", sameAllocator: false, "--weights", weights, "--probes", Text(s.Probes));
        using var pySame = PyTorchWorker.Start(context, "explain.py", sameAllocator: true, "--weights", weights, "--probes", Text(s.Probes));
        if ((int?)py.Ready["threads"] != context.Threads)
            throw new InvalidOperationException($"PyTorch runs {py.Ready["threads"]} thread(s), not {context.Threads}");
        var pytorchVersion = (string?)py.Ready["torch_version"] ?? "";
        foreach (var method in alone.Values) TimeAlone(model, probes, method, 1);
        TimeFused(model, probes, fused, 1);

        Console.WriteLine($"agreement: {s_compared.Length} methods in one CnnVis pass, their maps compared with PyTorch's");
        var agreement = Agreement(model, probes, py);

        // The training model's layout: what the monitor explains in the middle of a run (C# only, context).
        using var channelsLast = new FashionNet();
        Checkpoint.LoadWeights(weights, channelsLast);
        channelsLast.to(MemoryFormat.ChannelsLast);
        foreach (var name in s_sampling) TimeAlone(channelsLast, probes, alone[name], 1);
        TimeFused(channelsLast, probes, fused, 1);

        Console.WriteLine($"timing, C# and PyTorch in turn: {s.FastReps} x {s.FastCalls} calls per one-pass method and of the fused set, {s.SamplingReps} x 1 per sampling method");
        var csMs = new Dictionary<string, List<double>>();
        var pyMs = new Dictionary<string, List<double>>();
        var pySameMs = new Dictionary<string, List<double>>();
        var clMs = new Dictionary<string, List<double>>();
        foreach (var name in s_fused.Concat(s_sampling).Append(FusedKey))
        {
            var isFused = name == FusedKey;
            var sampling = s_sampling.Contains(name);
            var (count, calls) = sampling ? (s.SamplingReps, 1) : (s.FastReps, s.FastCalls);
            var (cs, pt, ps) = (csMs[name] = new List<double>(), pyMs[name] = new List<double>(), pySameMs[name] = new List<double>());
            var cl = sampling || isFused ? clMs[name] = new List<double>() : null;
            // The fused set's PyTorch counterpart: the same 8 methods one call each, in a row.
            var pyCommand = $"time {(isFused ? string.Join(",", s_fused) : name)} {calls}";
            for (var r = 0; r < count; r++)
            {
                Turns.Round(r,
                    () =>
                    {
                        cs.Add(isFused ? TimeFused(model, probes, fused, calls) : TimeAlone(model, probes, alone[name], calls));
                        cl?.Add(isFused ? TimeFused(channelsLast, probes, fused, calls) : TimeAlone(channelsLast, probes, alone[name], calls));
                    },
                    () => pt.Add(py.AskNumber(pyCommand, "ms")),
                    () => ps.Add(pySame.AskNumber(pyCommand, "ms")));
            }
            Console.WriteLine($"  {(isFused ? "fused set (8 methods)" : name),-22} C# {F(Measure.Median(cs), 1),8} ms   PyTorch {F(Measure.Median(pt), 1),8} ms (same allocator {F(Measure.Median(ps), 1),8} ms)" +
                (cl is null ? "" : $"   C#, channels-last model {F(Measure.Median(cl), 1),8} ms"));
        }
        var loadEnd = LoadAverage();

        Report(context, s, weights, pytorchVersion, agreement, csMs, pyMs, pySameMs, clMs, loadStart, loadEnd);
        return 0;
    }

    /// <summary>ms per call of one method alone (its own pass), over <paramref name="calls"/> calls in a row.</summary>
    private static double TimeAlone(Module model, Tensor probes, ExplanationMethod method, int calls)
    {
        var watch = Stopwatch.StartNew();
        for (var k = 0; k < calls; k++)
        {
            using var map = method.Explain(model, probes, PredictedClass.Instance);
        }
        return watch.Elapsed.TotalMilliseconds / calls;
    }

    /// <summary>ms per call of the fused pass (every map of the set made), over <paramref name="calls"/> calls in a row.</summary>
    private static double TimeFused(Module model, Tensor probes, ExplanationPass pass, int calls)
    {
        var watch = Stopwatch.StartNew();
        for (var k = 0; k < calls; k++)
        {
            using var set = pass.Run(model, probes, PredictedClass.Instance);
        }
        return watch.Elapsed.TotalMilliseconds / calls;
    }

    /// <summary>Writes CnnVis's maps of one pass as .npy files and asks PyTorch to compare them with its own.</summary>
    private static JsonObject Agreement(Module model, Tensor probes, PyTorchWorker py)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"cnnvis-bench-explain-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        try
        {
            using (var set = new ExplanationPass(ExplanationMethods.CreateMany(s_compared)).Run(model, probes, PredictedClass.Instance))
            {
                foreach (var name in s_compared) NpyFile.Write(Path.Combine(dir, name + ".npy"), set[name]);
                NpyFile.Write(Path.Combine(dir, "classes.npy"), set.Classes);
            }
            NpyFile.Write(Path.Combine(dir, "probes.npy"), probes);
            return py.Ask("compare " + dir);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private void Report(BenchContext context, Settings s, string weights, string pytorchVersion, JsonObject agreement,
        Dictionary<string, List<double>> csMs, Dictionary<string, List<double>> pyMs, Dictionary<string, List<double>> pySameMs, Dictionary<string, List<double>> clMs,
        JsonArray loadStart, JsonArray loadEnd)
    {
        var methods = agreement["methods"]?.AsObject() ?? throw new InvalidOperationException("explain.py's comparison holds no methods");
        double Difference(string name) =>
            (double?)methods[name]?["max_abs_difference"] ?? throw new InvalidOperationException($"explain.py compared no '{name}' maps");
        double Cs(string name) => Measure.Median(csMs[name]);
        double Py(string name) => Measure.Median(pyMs[name]);
        double Cl(string name) => Measure.Median(clMs[name]);
        double PySame(string name) => Measure.Median(pySameMs[name]);

        var fusedCs = Cs(FusedKey);
        var pySet = Py(FusedKey);
        // Each C# fused pass against the PyTorch round (8 calls) run beside it.
        var fusedRatio = Turns.MedianRatio(pyMs[FusedKey], csMs[FusedKey]);
        var fusedRatioSame = Turns.MedianRatio(pySameMs[FusedKey], csMs[FusedKey]);
        var pySum = s_fused.Sum(Py);
        var csSum = s_fused.Sum(Cs);
        var classAgreement = (double?)agreement["class_agreement"] ?? double.NaN;

        var table = new Table("method", "C# ms", "PyTorch ms", "PyTorch/C#", "same alloc ms", "same/C#", "C# CL model ms", "ref ms", "ref/C#", "max |diff|", "target", "");
        foreach (var name in s_fused.Concat(s_sampling))
        {
            var sampling = s_sampling.Contains(name);
            var hasRef = s_reference.TryGetValue(name, out var reference);
            var compared = s_compared.Contains(name);
            var required = s_required.Contains(name);
            var diff = compared ? Difference(name) : double.NaN;
            var targets = new List<string>();
            var met = true;
            if (required)
            {
                targets.Add("diff < 1e-4");
                met &= diff < DifferenceTarget;
            }
            if (sampling && hasRef)
            {
                targets.Add($"ref/C# >= {F(ReferenceSpeedupTarget, 1)}");
                met &= reference / Cs(name) >= ReferenceSpeedupTarget;
            }
            table.Add(name, F(Cs(name), 1), F(Py(name), 1), F(Py(name) / Cs(name), 2), F(PySame(name), 1), F(PySame(name) / Cs(name), 2), clMs.ContainsKey(name) ? F(Cl(name), 1) : "",
                hasRef ? F(reference, 0) : "", hasRef ? F(reference / Cs(name), 2) : "",
                compared ? diff.ToString("0.0e0", CultureInfo.InvariantCulture) : "(noise)",
                string.Join(", ", targets), targets.Count > 0 ? Mark(met) : "");
        }
        table.Add("the 8 above, one call each (sum)", F(csSum, 1), F(pySum, 1), F(pySum / csSum, 2), "", "", "", "", "", "", "", "");
        table.Add("fused set: C# one pass, PyTorch 8 calls", F(fusedCs, 1), F(pySet, 1), F(fusedRatio, 2), F(PySame(FusedKey), 1), F(fusedRatioSame, 2),
            F(Cl(FusedKey), 1), "", "", "", $"same/C# >= {F(FusedRatioTarget, 0)}", Mark(fusedRatioSame >= FusedRatioTarget));
        Console.WriteLine();
        table.Print(Console.Out);
        Console.WriteLine($"{s.Probes} probes; medians of {s.FastReps} repetitions ({s.FastCalls} calls each) per one-pass method and for the fused set, of {s.SamplingReps} per sampling method, " +
            "C# and PyTorch taking turns; the fused set's PyTorch/C# is the median of the paired repetitions' ratios. " +
            "C# keeps freed memory (CnnVis's allocator setting); PyTorch: glibc's default (as shipped), and 'same alloc' with the same thresholds. " +
            "C# CL model: the same weights in channels-last memory format, as the trainer keeps them (context). max |diff|: the largest absolute difference between CnnVis's and PyTorch's maps, " +
            $"each divided by its own largest |value|; predicted classes agree on {F(classAgreement * 100, 1)} % of the probes. Load average {loadStart.ToJsonString()} before, {loadEnd.ToJsonString()} after.");

        JsonObject Medians(Func<string, double> of, IEnumerable<string> names) => new(names.Select(n => KeyValuePair.Create(n, (JsonNode?)JsonValue.Create(of(n)))));
        JsonObject Reps(Dictionary<string, List<double>> ms) => new(ms.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)Format.Array(kv.Value))));
        var all = s_fused.Concat(s_sampling).ToList();
        var withReference = s_sampling.Where(s_reference.ContainsKey).ToList();
        var json = context.Figures(Name, loadStart, loadEnd, pytorchVersion, new JsonObject
        {
            ["weights"] = Path.GetRelativePath(Path.GetDirectoryName(context.BenchDir)!, weights),
            ["probes"] = s.Probes,
            ["target"] = "predicted class",
            ["csharp_ms"] = Medians(Cs, all),
            ["pytorch_ms"] = Medians(Py, all),
            ["reference_ms"] = Medians(n => s_reference[n], s_reference.Keys),
            ["csharp_fused_ms"] = fusedCs,
            ["pytorch_fused_set_ms"] = pySet,
            ["fused_methods"] = new JsonArray(s_fused.Select(n => (JsonNode?)n).ToArray()),
            ["pytorch_sum_ms"] = pySum,
            ["csharp_sum_alone_ms"] = csSum,
            ["ratio_vs_pytorch"] = fusedRatio,
            ["ratio_vs_pytorch_same_allocator"] = fusedRatioSame,
            ["pytorch_same_allocator_ms"] = Medians(PySame, all.Append(FusedKey)),
            ["ratio_target"] = FusedRatioTarget,
            ["ratio_target_applies_to"] = "ratio_vs_pytorch_same_allocator",
            ["ratio_definition"] = "median over paired repetitions of PyTorch's ms for the 8 fused-set methods run one call each in a row / C#'s ms for the same 8 in one ExplanationPass",
            ["ratio_of_sum_to_fused"] = pySum / fusedCs,
            ["speedup_vs_reference"] = Medians(n => s_reference[n] / Cs(n), withReference),
            ["speedup_vs_reference_target"] = ReferenceSpeedupTarget,
            ["pytorch_speedup_vs_reference"] = Medians(n => s_reference[n] / Py(n), withReference),
            ["max_abs_difference"] = Medians(Difference, s_compared),
            ["max_abs_difference_target"] = DifferenceTarget,
            ["max_abs_difference_definition"] = "largest |a - b| over the probes' maps, each map divided by its own largest |value| (all-zero maps stay zero)",
            ["class_agreement"] = classAgreement,
            ["agreement"] = agreement.DeepClone(),
            ["channels_last_model"] = new JsonObject
            {
                ["what"] = "C# only: the same weights in channels-last memory format (the trainer's layout, which the monitor explains), probes as above",
                ["csharp_ms"] = Medians(Cl, clMs.Keys),
                ["speedup_vs_reference"] = Medians(n => s_reference[n] / Cl(n), withReference),
                ["reps_ms"] = Reps(clMs),
            },
            ["settings"] = new JsonObject
            {
                ["layer"] = "features.16 (the ReLU after the last conv + BN, 128 x 7 x 7)",
                ["integrated_gradients"] = "32 steps, midpoint rule alpha = (k + 1/2) / 32, zero baseline",
                ["smoothgrad"] = "saliency, 16 samples, noise 0.15 x (max - min) per image",
                ["occlusion"] = "4x4 window, stride 2, fill 0",
                ["max_batch"] = ExplanationPass.DefaultMaxBatch,
                ["one_pass_reps"] = s.FastReps,
                ["one_pass_calls_per_rep"] = s.FastCalls,
                ["sampling_reps"] = s.SamplingReps,
                ["model_layout"] = "contiguous (NCHW), as loaded",
            },
            ["csharp_reps_ms"] = Reps(csMs),
            ["pytorch_reps_ms"] = Reps(pyMs),
            ["pytorch_same_allocator_reps_ms"] = Reps(pySameMs),
        });
        var path = context.WriteJson(Name, json);
        Console.WriteLine($"wrote {path}");
    }
}
