using System.Diagnostics;
using System.Text.Json.Nodes;
using CnnVis.Torch;
using CnnVis.Training.Models;
using static CnnVis.Bench.Format;

namespace CnnVis.Bench;

/// <summary>
/// ResNet-18 training speed: CnnVis's ResNet (the resnet18-imagenet architecture with torchvision's 2, 2, 2, 2 blocks
/// and 1000 classes, untrained) against torchvision's resnet18() on the same libtorch, both running one forward and
/// backward (cross-entropy, batch norms in training mode) on a batch of 224x224 images per step, taking turns.
/// Both layouts are measured on both sides; the headline compares channels-last, the layout CnnVis trains in.
/// </summary>
internal sealed class ResNetBench : IBench
{
    private const int Size = 224;
    private const double Target = 1.0;

    public string Name => "resnet";

    public string Description => "ResNet-18 forward+backward images/s at 224x224 against torchvision's resnet18(), in turns";

    public int Run(BenchContext context)
    {
        var (batch, steps, reps, warmup) = context.Quick ? (2, 1, 1, 1) : (8, 1, 15, 3);
        if (context.Options.Reps is { } r) reps = r;
        var loadStart = LoadAverage();
        Console.WriteLine($"libtorch {torch.__version__}, {context.Threads} thread(s) on {Environment.ProcessorCount} core(s), load average {loadStart.ToJsonString()}; " +
            $"batch {batch} at {Size}x{Size}, {steps} steps per repetition, {reps} repetitions" + (context.Quick ? " (quick: not a measurement)" : ""));
        using var worker = PyTorchWorker.Start(context, "resnet.py", sameAllocator: true, "--batch", Text(batch), "--warmup", Text(warmup));
        var pytorchVersion = worker.Ready["torch_version"]?.GetValue<string>() ?? "";
        var results = new JsonObject();
        var ratios = new Dictionary<string, double>();
        var cpuRatios = new Dictionary<string, double>();
        var undisturbed = new Dictionary<string, double?>();
        var rates = new Dictionary<string, (double csharp, double pytorch)>();
        foreach (var (layout, command, format) in new[] { ("channels_last", "step-cl", MemoryFormat.ChannelsLast), ("nchw", "step", MemoryFormat.Contiguous) })
        {
            using var step = new CSharpStep(batch, format);
            // As many untimed steps as resnet.py takes: the first steps of either side set up buffers and kernels.
            step.Run(warmup);
            var csharp = new List<double>();
            var pytorch = new List<double>();
            var csharpCpu = new List<double>();
            var pytorchCpu = new List<double>();
            for (var rep = 0; rep < reps; rep++)
            {
                Turns.Pair(rep, () =>
                {
                    var (wall, cpu) = step.Run(steps);
                    csharp.Add(wall);
                    csharpCpu.Add(cpu);
                }, () =>
                {
                    var answer = worker.Ask($"{command} {steps}");
                    pytorch.Add(Number(answer, "img_per_s"));
                    pytorchCpu.Add(Number(answer, "img_per_cpu_s"));
                });
                Console.WriteLine($"  {layout}, repetition {rep + 1}: CnnVis {F(csharp[^1], 2)} img/s ({F(csharpCpu[^1], 2)} per CPU-second), " +
                    $"PyTorch {F(pytorch[^1], 2)} img/s ({F(pytorchCpu[^1], 2)} per CPU-second); load average {LoadAverage()[0]}");
            }
            ratios[layout] = Turns.MedianRatio(csharp, pytorch);
            rates[layout] = (Measure.Median(csharp), Measure.Median(pytorch));
            var cpuRatio = cpuRatios[layout] = Turns.MedianRatio(csharpCpu, pytorchCpu);
            var quiet = QuietTurns(csharp, csharpCpu, pytorch, pytorchCpu, context.Threads);
            undisturbed[layout] = quiet.Count == 0 ? null : Measure.Median(quiet.Select(k => csharp[k] / pytorch[k]));
            Console.WriteLine($"  {layout}: ratio {F(ratios[layout], 3)} over all turns; {quiet.Count} undisturbed turn(s)" +
                (undisturbed[layout] is { } q ? $", ratio {F(q, 3)} over those" : ""));
            results[layout] = new JsonObject
            {
                ["ratio_vs_pytorch"] = ratios[layout], ["csharp_img_s"] = rates[layout].csharp, ["pytorch_img_s"] = rates[layout].pytorch,
                ["csharp_img_s_runs"] = Array(csharp), ["pytorch_img_s_runs"] = Array(pytorch),
                ["ratio_cpu_time"] = cpuRatio, ["csharp_img_per_cpu_s_runs"] = Array(csharpCpu), ["pytorch_img_per_cpu_s_runs"] = Array(pytorchCpu),
                ["ratio_undisturbed"] = undisturbed[layout], ["undisturbed_turns"] = new JsonArray(quiet.Select(k => (JsonNode?)(k + 1)).ToArray()),
            };
        }
        var head = rates["channels_last"];
        Console.WriteLine();
        Console.WriteLine($"channels-last: CnnVis {F(head.csharp, 2)} img/s, PyTorch {F(head.pytorch, 2)} img/s, ratio {F(ratios["channels_last"], 3)} (target at least {F(Target, 1)}: {Mark(ratios["channels_last"] >= Target)}); per CPU-second {F(cpuRatios["channels_last"], 3)}; undisturbed turns {(undisturbed["channels_last"] is { } u ? F(u, 3) : "none")}");
        Console.WriteLine($"NCHW:          CnnVis {F(rates["nchw"].csharp, 2)} img/s, PyTorch {F(rates["nchw"].pytorch, 2)} img/s, ratio {F(ratios["nchw"], 3)}; per CPU-second {F(cpuRatios["nchw"], 3)}; undisturbed turns {(undisturbed["nchw"] is { } v ? F(v, 3) : "none")}");
        var json = context.Figures(Name, loadStart, LoadAverage(), pytorchVersion, new JsonObject
        {
            ["ratio_vs_pytorch"] = ratios["channels_last"],
            ["csharp_img_s"] = head.csharp,
            ["pytorch_img_s"] = head.pytorch,
            ["target_ratio"] = Target,
            ["ratio_cpu_time"] = cpuRatios["channels_last"],
            ["ratio_undisturbed"] = undisturbed["channels_last"],
            ["layouts"] = results,
            ["setup"] = new JsonObject
            {
                ["model"] = "ResNet-18 (2, 2, 2, 2 basic blocks, 1000 classes, untrained) vs torchvision.models.resnet18()",
                ["torchvision_version"] = worker.Ready["torchvision_version"]?.GetValue<string>() ?? "",
                ["step"] = "forward + cross-entropy + backward, batch norms in training mode, no optimizer step",
                ["batch"] = batch, ["size"] = Size, ["steps_per_repetition"] = steps, ["repetitions"] = reps, ["warmup_steps"] = warmup,
                ["headline"] = "channels-last on both sides (the layout CnnVis trains in); NCHW figures under layouts.nchw",
            },
        }, pytorchSameAllocatorOnly: true);
        Console.WriteLine($"wrote {context.WriteJson(Name, json)}");
        return 0;
    }

    /// <summary>
    /// The turns in which both sides kept all their threads busy (CPU seconds at least 95 % of threads x wall seconds):
    /// on a shared machine, the turns no other process took cores from.
    /// </summary>
    private static List<int> QuietTurns(List<double> csharp, List<double> csharpCpu, List<double> pytorch, List<double> pytorchCpu, int threads) =>
        Enumerable.Range(0, csharp.Count)
            .Where(k => csharp[k] / csharpCpu[k] >= 0.95 * threads && pytorch[k] / pytorchCpu[k] >= 0.95 * threads)
            .ToList();

    private static double Number(JsonObject answer, string key) =>
        (double?)answer[key] ?? throw new InvalidOperationException($"resnet.py answered without '{key}'");

    // CnnVis's side: the same network, batch and step as resnet.py's.
    private sealed class CSharpStep : IDisposable
    {
        private readonly ImageNetResNet18 _model;
        private readonly Tensor _images;
        private readonly Tensor _labels;
        private readonly int _batch;

        public CSharpStep(int batch, MemoryFormat format)
        {
            torch.manual_seed(0);
            _batch = batch;
            _model = ImageNetResNet18.Untrained(1000, [2, 2, 2, 2]);
            _model.train();
            using var images = torch.rand(new long[] { batch, 3, Size, Size });
            if (format == MemoryFormat.ChannelsLast) _model.to(MemoryFormat.ChannelsLast);
            _images = images.contiguous(format).DetachFromDisposeScope();
            _labels = torch.randint(1000, new long[] { batch }).DetachFromDisposeScope();
        }

        /// <summary>Images per second of wall time and per second of this process's CPU time (every thread).</summary>
        public (double wall, double cpu) Run(int steps)
        {
            var cpu = Environment.CpuUsage.TotalTime;
            var clock = Stopwatch.StartNew();
            for (var k = 0; k < steps; k++)
            {
                using var scope = torch.NewDisposeScope();
                _model.zero_grad();
                var loss = torch.nn.functional.cross_entropy(_model.call(_images), _labels);
                loss.backward();
            }
            var images = _batch * steps;
            return (images / clock.Elapsed.TotalSeconds, images / (Environment.CpuUsage.TotalTime - cpu).TotalSeconds);
        }

        public void Dispose()
        {
            _model.Dispose();
            _images.Dispose();
            _labels.Dispose();
        }
    }
}
