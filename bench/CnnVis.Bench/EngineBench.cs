using System.Globalization;
using System.Text.Json.Nodes;
using CnnVis.Torch;
using static CnnVis.Bench.Format;

namespace CnnVis.Bench;

/// <summary>
/// The engine against PyTorch on the same libtorch: (a) the round trip of one tiny operator call, (b) the
/// throughput of conv2d + batch_norm (training) + relu forward and backward, (c) memory over a long
/// training loop. C# and PyTorch take turns repetition by repetition, never running at the same time.
/// </summary>
internal sealed class EngineBench : IBench
{
    private const double OverheadTargetUs = 5;
    private const double RatioTarget = 1.0;
    private const double GrowthTargetPercent = 5;

    public string Name => "engine";

    public string Description => "operator call overhead, conv+bn+relu throughput and memory stability vs PyTorch";

    private sealed record Settings(
        int OverheadIterations, int OverheadRuns,
        int Batch, int Channels, int Size, int Warmup, int Steps, int Reps,
        int MemoryWarmup, int MemoryIterations, int MemorySamples);

    private static readonly Settings Full = new(20_000, 9, 128, 32, 28, 3, 6, 12, 500, 20_000, 10);
    private static readonly Settings Quick = new(2_000, 3, 128, 32, 28, 1, 2, 2, 50, 500, 5);

    public int Run(BenchContext context)
    {
        var s = context.Quick ? Quick : Full;
        if (context.Options.Reps is { } reps) s = s with { Reps = reps, OverheadRuns = reps };
        var libtorch = torch.__version__;
        var loadStart = LoadAverage();
        Console.WriteLine($"libtorch {libtorch}, {context.Threads} thread(s) on {Environment.ProcessorCount} core(s){(context.Quick ? ", quick run (figures are not measurements)" : "")}; " +
            "C# keeps freed memory (CnnVis's setting); PyTorch runs twice: glibc's default (as shipped) and the same setting");

        var csOverhead = new List<double>();
        var csOverheadScoped = new List<double>();
        var pyOverhead = new List<double>();
        var csConv = new List<double>();
        var pyConv = new List<double>();
        var csConvCl = new List<double>();
        var pyConvCl = new List<double>();
        // Minor page faults per conv step: how often freed memory went back to the system and was fetched again.
        var csFaults = new List<double>();
        var pyFaults = new List<double>();
        var csFaultsCl = new List<double>();
        var pyFaultsCl = new List<double>();
        // The PyTorch side again with CnnVis's allocator setting (glibc's environment variables).
        var pySameConv = new List<double>();
        var pySameConvCl = new List<double>();
        var pySameFaults = new List<double>();
        var pySameFaultsCl = new List<double>();
        string pytorchVersion;
        Console.WriteLine("starting the PyTorch side (bench/engine.py) and warming up both sides");
        string[] workerArgs =
        [
            "--batch", Text(s.Batch), "--channels", Text(s.Channels), "--size", Text(s.Size),
            "--warmup", Text(s.Warmup), "--overhead-iterations", Text(s.OverheadIterations),
        ];
        using (var py = PyTorchWorker.Start(context, "engine.py", sameAllocator: false, workerArgs))
        using (var pySame = PyTorchWorker.Start(context, "engine.py", sameAllocator: true, workerArgs))
        {
            if ((int?)py.Ready["threads"] != context.Threads)
                throw new InvalidOperationException($"PyTorch runs {py.Ready["threads"]} thread(s), not {context.Threads}");
            pytorchVersion = (string?)py.Ready["torch_version"] ?? "";
            using var overheadCall = new OverheadCall();
            using var block = new ConvBlock(s, channelsLast: false);
            using var blockCl = new ConvBlock(s, channelsLast: true);
            overheadCall.WarmUp(s.OverheadIterations);
            block.WarmUp(s.Warmup);
            blockCl.WarmUp(s.Warmup);

            // One repetition of each side in turn, the order flipped every time, so that both sample
            // the same background load and neither always runs first.
            Console.WriteLine($"timing, C# and PyTorch in turn: {s.OverheadRuns} x {s.OverheadIterations} calls, then {s.Reps} x {s.Steps} conv steps per layout");
            for (var r = 0; r < s.OverheadRuns; r++)
            {
                Turns.Pair(r,
                    () => csOverhead.Add(overheadCall.RunUs(s.OverheadIterations)),
                    () => pyOverhead.Add(py.AskNumber($"overhead {s.OverheadIterations}", "us")));
                csOverheadScoped.Add(overheadCall.RunInScopeUs(s.OverheadIterations));
            }
            for (var r = 0; r < s.Reps; r++)
            {
                Turns.Round(r,
                    () => { csConv.Add(block.ItemsPerSecond(s.Steps)); csFaults.Add(block.FaultsPerStep); },
                    () => AskConv(py, $"conv {s.Steps}", pyConv, pyFaults),
                    () => AskConv(pySame, $"conv {s.Steps}", pySameConv, pySameFaults));
                Turns.Round(r,
                    () => { csConvCl.Add(blockCl.ItemsPerSecond(s.Steps)); csFaultsCl.Add(blockCl.FaultsPerStep); },
                    () => AskConv(py, $"conv-cl {s.Steps}", pyConvCl, pyFaultsCl),
                    () => AskConv(pySame, $"conv-cl {s.Steps}", pySameConvCl, pySameFaultsCl));
            }
        }

        Console.WriteLine($"memory: {s.MemoryIterations} training steps of a small CNN");
        var memory = MemoryRun(s);

        var overhead = Measure.Median(csOverhead);
        var pyOverheadUs = Measure.Median(pyOverhead);
        var csRate = Measure.Median(csConv);
        var pyRate = Measure.Median(pyConv);
        var csRateCl = Measure.Median(csConvCl);
        var pyRateCl = Measure.Median(pyConvCl);
        // The headline ratio is the median of paired ratios: each C# repetition against the PyTorch one
        // run beside it. Where background load drifts (a shared machine) it is far steadier than the
        // ratio of the two medians, which is kept as well.
        var ratio = Turns.MedianRatio(csConv, pyConv);
        var ratioCl = Turns.MedianRatio(csConvCl, pyConvCl);
        var ratioOfMedians = csRate / pyRate;
        var ratioOfMediansCl = csRateCl / pyRateCl;
        var ratioSame = Turns.MedianRatio(csConv, pySameConv);
        var ratioSameCl = Turns.MedianRatio(csConvCl, pySameConvCl);

        var table = new Table("figure", "C#", "PyTorch", "C#/PyTorch", "target", "");
        table.Add("a + b, 1-element tensors (µs per call)", F(overhead, 2), F(pyOverheadUs, 2), F(overhead / pyOverheadUs, 2),
            $"< {F(OverheadTargetUs, 0)} µs", Mark(overhead < OverheadTargetUs));
        table.Add("  same, freed by a dispose scope (µs)", F(Measure.Median(csOverheadScoped), 2), "", "", "", "");
        table.Add($"conv+bn+relu fwd+bwd, {s.Batch}x{s.Channels}x{s.Size}x{s.Size} (items/s)", F(csRate, 0), F(pyRate, 0), F(ratioOfMedians, 3), "", "");
        table.Add("  C#/PyTorch as shipped, median of paired repetitions", "", "", F(ratio, 3), "", "");
        table.Add("  minor page faults per step", F(Measure.Median(csFaults), 0), F(Measure.Median(pyFaults), 0), "", "", "");
        table.Add("  PyTorch with CnnVis's allocator setting (items/s)", "", F(Measure.Median(pySameConv), 0), "", "", "");
        table.Add("  C#/PyTorch, same allocator, median of paired", "", "", F(ratioSame, 3), $">= {F(RatioTarget, 1)}", Mark(ratioSame >= RatioTarget));
        table.Add("  minor page faults per step, same allocator", "", F(Measure.Median(pySameFaults), 0), "", "", "");
        table.Add("same, channels-last input (items/s)", F(csRateCl, 0), F(pyRateCl, 0), F(ratioOfMediansCl, 3), "", "");
        table.Add("  C#/PyTorch as shipped, median of paired repetitions", "", "", F(ratioCl, 3), "", "");
        table.Add("  minor page faults per step", F(Measure.Median(csFaultsCl), 0), F(Measure.Median(pyFaultsCl), 0), "", "", "");
        table.Add("  C#/PyTorch, same allocator, median of paired", "", F(Measure.Median(pySameConvCl), 0), F(ratioSameCl, 3), "", "");
        table.Add("RSS after warm-up (MiB)", F(memory.RssStartMb, 1), "", "", "", "");
        table.Add($"RSS after {s.MemoryIterations} steps (MiB)", F(memory.RssEndMb, 1), "", "", "", "");
        table.Add("RSS growth (%)", F(memory.GrowthPercent, 2), "", "", $"< {F(GrowthTargetPercent, 0)} %", Mark(memory.GrowthPercent < GrowthTargetPercent));
        table.Add("live tensors, start -> end", $"{memory.LiveStart} -> {memory.LiveEnd}", "", "", "no growth", Mark(memory.LiveEnd <= memory.LiveStart));
        table.Add("training step, small CNN (ms)", F(memory.StepMs, 3), "", "", "", "");
        Console.WriteLine();
        table.Print(Console.Out);
        Console.WriteLine($"Medians over {s.OverheadRuns} runs of {s.OverheadIterations} calls and {s.Reps} repetitions of {s.Steps} conv steps " +
            $"(after {s.Warmup} warm-up steps), C# and PyTorch taking turns. C#/PyTorch on a figure's row is the ratio of its medians; " +
            "the headline ratio is the median of the ratios of repetitions run side by side, which drifting background load disturbs least.");

        var json = context.Figures("engine", loadStart, LoadAverage(), pytorchVersion, new JsonObject
        {
            ["overhead_us"] = overhead,
            ["overhead_target_us"] = OverheadTargetUs,
            ["overhead_in_scope_us"] = Measure.Median(csOverheadScoped),
            ["pytorch_overhead_us"] = pyOverheadUs,
            ["overhead_best_us"] = csOverhead.Min(),
            ["pytorch_overhead_best_us"] = pyOverhead.Min(),
            ["ratio_vs_pytorch"] = ratio,
            ["ratio_vs_pytorch_same_allocator"] = ratioSame,
            ["pytorch_same_allocator_items_per_s"] = Measure.Median(pySameConv),
            ["ratio_target"] = RatioTarget,
            ["ratio_target_applies_to"] = "ratio_vs_pytorch_same_allocator",
            ["ratio_definition"] = "median over repetitions of C# items/s / PyTorch items/s, each pair run back to back; C# keeps freed memory (torch.keep_freed_memory), PyTorch with glibc's default (as shipped) or with the same thresholds (same allocator)",
            ["ratio_of_medians"] = ratioOfMedians,
            ["csharp_items_per_s"] = csRate,
            ["pytorch_items_per_s"] = pyRate,
            ["conv_block"] = new JsonObject
            {
                ["ops"] = "conv2d(3x3, pad 1, bias) + batch_norm(training) + relu, forward and backward (input grad included)",
                ["shape"] = new JsonArray(s.Batch, s.Channels, s.Size, s.Size),
                ["warmup_steps"] = s.Warmup,
                ["steps_per_rep"] = s.Steps,
                ["csharp_reps_items_per_s"] = Array(csConv),
                ["pytorch_reps_items_per_s"] = Array(pyConv),
                ["csharp_minor_faults_per_step"] = Measure.Median(csFaults),
                ["pytorch_minor_faults_per_step"] = Measure.Median(pyFaults),
                ["pytorch_same_allocator_reps_items_per_s"] = Array(pySameConv),
                ["pytorch_same_allocator_minor_faults_per_step"] = Measure.Median(pySameFaults),
            },
            ["channels_last"] = new JsonObject
            {
                ["csharp_items_per_s"] = csRateCl,
                ["pytorch_items_per_s"] = pyRateCl,
                ["ratio_vs_pytorch"] = ratioCl,
                ["ratio_vs_pytorch_same_allocator"] = ratioSameCl,
                ["pytorch_same_allocator_items_per_s"] = Measure.Median(pySameConvCl),
                ["ratio_of_medians"] = ratioOfMediansCl,
                ["csharp_reps_items_per_s"] = Array(csConvCl),
                ["pytorch_reps_items_per_s"] = Array(pyConvCl),
                ["csharp_minor_faults_per_step"] = Measure.Median(csFaultsCl),
                ["pytorch_minor_faults_per_step"] = Measure.Median(pyFaultsCl),
            },
            ["overhead_runs_us"] = Array(csOverhead),
            ["pytorch_overhead_runs_us"] = Array(pyOverhead),
            ["rss_start_mb"] = memory.RssStartMb,
            ["rss_end_mb"] = memory.RssEndMb,
            ["rss_growth_percent"] = memory.GrowthPercent,
            ["memory"] = new JsonObject
            {
                ["steps"] = s.MemoryIterations,
                ["warmup_steps"] = s.MemoryWarmup,
                ["step_ms"] = memory.StepMs,
                ["live_tensors_start"] = memory.LiveStart,
                ["live_tensors_end"] = memory.LiveEnd,
                ["rss_samples_mb"] = Array(memory.Samples),
                ["loss_start"] = memory.LossStart,
                ["loss_end"] = memory.LossEnd,
            },
        });
        var path = context.WriteJson(Name, json);
        Console.WriteLine($"wrote {path}");
        return 0;
    }

    private static void AskConv(PyTorchWorker py, string command, List<double> rates, List<double> faults)
    {
        var reply = py.Ask(command);
        rates.Add((double?)reply["items_per_s"] ?? throw new InvalidOperationException($"engine.py answered '{command}' without items_per_s"));
        faults.Add((double?)reply["minflt_per_step"] ?? throw new InvalidOperationException($"engine.py answered '{command}' without minflt_per_step"));
    }

    /// <summary>`a + b` on 1-element tensors: the whole C# round trip of one small operator call.</summary>
    private sealed class OverheadCall : IDisposable
    {
        private const int PerScope = 1000;
        private readonly Tensor _a = torch.ones([1]);
        private readonly Tensor _b = torch.ones([1]);

        public void WarmUp(int iterations)
        {
            // Long enough for tiered compilation to settle on optimized code for the call path.
            RunUs(iterations * 5);
            RunInScopeUs(iterations * 5);
            Thread.Sleep(200);
            RunUs(iterations);
            RunInScopeUs(iterations);
        }

        /// <summary>µs per call, each result disposed at once.</summary>
        public double RunUs(int iterations)
        {
            var (a, b) = (_a, _b);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            for (var k = 0; k < iterations; k++)
            {
                var c = a + b;
                c.Dispose();
            }
            return watch.Elapsed.TotalSeconds / iterations * 1e6;
        }

        /// <summary>µs per call, results left to a dispose scope (1,000 calls per scope), as training code writes it.</summary>
        public double RunInScopeUs(int iterations)
        {
            var (a, b) = (_a, _b);
            var blocks = Math.Max(1, iterations / PerScope);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            for (var n = 0; n < blocks; n++)
            {
                using var scope = torch.NewDisposeScope();
                for (var k = 0; k < PerScope; k++) _ = a + b;
            }
            return watch.Elapsed.TotalSeconds / (blocks * PerScope) * 1e6;
        }

        public void Dispose()
        {
            _a.Dispose();
            _b.Dispose();
        }
    }

    /// <summary>conv2d(3x3, pad 1) + batch_norm (training) + relu, forward and backward, input gradient included.</summary>
    private sealed class ConvBlock : IDisposable
    {
        private readonly int _batch;
        private readonly CnnVis.Torch.Modules.Conv2d _conv;
        private readonly CnnVis.Torch.Modules.BatchNorm2d _bn;
        private readonly Tensor _x;
        private readonly Tensor _g;
        private readonly Parameter[] _parameters;

        public ConvBlock(Settings s, bool channelsLast)
        {
            torch.manual_seed(0);
            _batch = s.Batch;
            _conv = torch.nn.Conv2d(s.Channels, s.Channels, 3, padding: 1);
            _bn = torch.nn.BatchNorm2d(s.Channels);
            _bn.train();
            long[] shape = [s.Batch, s.Channels, s.Size, s.Size];
            using (var scope = torch.NewDisposeScope())
            {
                var x = torch.randn(shape);
                var g = torch.randn(shape);
                if (channelsLast)
                {
                    x = x.contiguous(MemoryFormat.ChannelsLast);
                    g = g.contiguous(MemoryFormat.ChannelsLast);
                }
                _x = x.DetachFromDisposeScope();
                _g = g.DetachFromDisposeScope();
            }
            _x.requires_grad = true;
            _parameters = _conv.parameters().Concat(_bn.parameters()).ToArray();
        }

        public void Step()
        {
            // Each intermediate's handle is let go as soon as the next operator has it, as Python drops
            // its references: the graph keeps what backward needs and backward frees it, so the peak
            // memory matches PyTorch's. The scope catches anything else the step makes.
            using var scope = torch.NewDisposeScope();
            var h = _conv.call(_x);
            var z = _bn.call(h);
            h.Dispose();
            var y = torch.nn.functional.relu(z);
            z.Dispose();
            y.backward(_g);
            y.Dispose();
            // Gradients are dropped (set to none) every step, as zero_grad does, so nothing accumulates.
            _x.grad = null;
            foreach (var p in _parameters) p.grad = null;
        }

        public void WarmUp(int steps)
        {
            for (var k = 0; k < steps; k++) Step();
        }

        /// <summary>Minor page faults per step in the last <see cref="ItemsPerSecond"/> call.</summary>
        public double FaultsPerStep { get; private set; }

        /// <summary>Items (images) per second over <paramref name="steps"/> steps.</summary>
        public double ItemsPerSecond(int steps)
        {
            var faults = Measure.MinorFaults();
            var seconds = Measure.Seconds(steps, Step);
            FaultsPerStep = (double)(Measure.MinorFaults() - faults) / steps;
            return _batch * steps / seconds;
        }

        public void Dispose()
        {
            _conv.Dispose();
            _bn.Dispose();
            _x.Dispose();
            _g.Dispose();
        }
    }

    private sealed record MemoryResult(double RssStartMb, double RssEndMb, long LiveStart, long LiveEnd, double StepMs,
        double[] Samples, double LossStart, double LossEnd)
    {
        public double GrowthPercent => (RssEndMb - RssStartMb) / RssStartMb * 100;
    }

    /// <summary>A long training loop (forward, backward, SGD step) inside dispose scopes: RSS and live tensors must stay flat.</summary>
    private static MemoryResult MemoryRun(Settings s)
    {
        torch.manual_seed(0);
        using var model = torch.nn.Sequential(
            torch.nn.Conv2d(1, 8, 3, padding: 1),
            torch.nn.BatchNorm2d(8),
            torch.nn.ReLU(),
            torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(8, 16, 3, padding: 1),
            torch.nn.ReLU(),
            torch.nn.AdaptiveAvgPool2d(1),
            torch.nn.Flatten(),
            torch.nn.Linear(16, 10));
        using var optimizer = torch.optim.SGD(model.parameters(), 0.01, momentum: 0.9);
        using var x = torch.randn([16, 1, 28, 28]);
        using var y = torch.randint(10, [16]);

        double Step(bool readLoss)
        {
            using var scope = torch.NewDisposeScope();
            optimizer.zero_grad();
            var loss = torch.nn.functional.cross_entropy(model.call(x), y);
            loss.backward();
            optimizer.step();
            return readLoss ? loss.item<float>() : double.NaN;
        }

        for (var k = 0; k < s.MemoryWarmup; k++) Step(false);
        var lossStart = Step(true);
        var rssStart = Measure.RssMb();
        var liveStart = Tensor.LiveCount;
        var samples = new List<double> { rssStart };
        var every = Math.Max(1, s.MemoryIterations / s.MemorySamples);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var lossEnd = double.NaN;
        for (var k = 1; k <= s.MemoryIterations; k++)
        {
            var last = k == s.MemoryIterations;
            var loss = Step(last);
            if (last) lossEnd = loss;
            if (k % every == 0) samples.Add(Measure.RssMb());
        }
        var stepMs = watch.Elapsed.TotalMilliseconds / s.MemoryIterations;
        var rssEnd = Measure.RssMb();
        var liveEnd = Tensor.LiveCount;
        return new MemoryResult(rssStart, rssEnd, liveStart, liveEnd, stepMs, samples.ToArray(), lossStart, lossEnd);
    }
}
