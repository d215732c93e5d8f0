using System.Diagnostics;
using System.Text.Json.Nodes;
using CnnVis.Torch;
using CnnVis.Training.Data;
using CnnVis.Visualizers.Dreams;
using CnnVis.Visualizers.Features;
using CnnVis.Visualizers.Inversion;
using static CnnVis.Bench.Format;

namespace CnnVis.Bench;

/// <summary>
/// Deep dream and inversion on a network of ResNet-18's shape (random weights: the cost does not depend on them) at
/// 224x224, on the bench's thread count: seconds for a whole dream with the default settings (4 octaves, scale 1.4,
/// 10 steps each), and milliseconds per step of each. The photo is python3-skimage's cat.
/// </summary>
internal sealed class DreamBench : IBench
{
    public string Name => "dream";

    public string Description => "deep dream and inversion at 224x224 on a ResNet-18-shaped network";

    public int Run(BenchContext context)
    {
        var loadStart = LoadAverage();
        torch.manual_seed(0);
        using var model = new ResNet18Shape();
        model.eval();
        var range = InputRange.FromNormalization([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);
        using var scope = torch.NewDisposeScope();
        var decoded = torchvision.io.read_image(SamplePhotos.Find("chelsea"), 3);
        var pixels = torch.nn.functional.interpolate(decoded.permute(2, 0, 1).unsqueeze(0).to(ScalarType.Float32) / 255.0, new long[] { 224, 224 }).clamp(0, 1);
        var photo = range.FromUnit(pixels);

        // Warm-up: oneDNN picks its kernels on the first calls of each shape.
        using (new DeepDream(new DeepDreamSettings("layer3") { Octaves = 1, Steps = 2 }).Run(model, photo, range)) { }

        var figures = new JsonObject();
        var repeats = context.Quick ? 1 : 3;
        foreach (var layer in new[] { "layer3", "layer4" })
        {
            var settings = new DeepDreamSettings(layer) { Steps = context.Quick ? 2 : 10 };
            var best = double.MaxValue;
            var bestCpu = double.MaxValue;
            for (var r = 0; r < repeats; r++)
            {
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var watch = Stopwatch.StartNew();
                using var result = new DeepDream(settings).Run(model, photo, range);
                best = Math.Min(best, watch.Elapsed.TotalSeconds);
                bestCpu = Math.Min(bestCpu, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
            }
            var steps = settings.Octaves * settings.Steps;
            // On a machine shared with other work the wall clock includes waiting for a core; the CPU seconds do not.
            Console.WriteLine($"deep dream {settings}: {best:F2} s wall, {bestCpu:F2} CPU-s ({best * 1000 / steps:F0} ms per step over {steps} steps, sizes {string.Join(", ", new DeepDream(settings).OctaveSizes(224, 224).Select(s => $"{s.height}x{s.width}"))})");
            figures[$"dream_{layer}_s"] = Math.Round(best, 3);
            figures[$"dream_{layer}_cpu_s"] = Math.Round(bestCpu, 3);
            figures[$"dream_{layer}_ms_per_step"] = Math.Round(best * 1000 / steps, 1);
        }

        var inversionSteps = context.Quick ? 3 : 30;
        var inversion = new RepresentationInversion(new InversionSettings { Steps = inversionSteps });
        using (new RepresentationInversion(new InversionSettings { Steps = 1 }).Run(model, photo, "layer2", range)) { }
        var before = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        using (inversion.Run(model, photo, "layer2", range)) { }
        var perStep = clock.Elapsed.TotalMilliseconds / inversionSteps;
        var cpuPerStep = (Process.GetCurrentProcess().TotalProcessorTime - before).TotalMilliseconds / inversionSteps;
        Console.WriteLine($"inversion of layer2 at 224x224: {perStep:F0} ms per step wall, {cpuPerStep:F0} CPU-ms ({inversionSteps} steps)");
        figures["inversion_layer2_ms_per_step"] = Math.Round(perStep, 1);
        figures["inversion_layer2_cpu_ms_per_step"] = Math.Round(cpuPerStep, 1);

        var json = context.Figures("dream", loadStart, LoadAverage(), "not used", figures);
        Console.WriteLine($"wrote {context.WriteJson("dream", json)}");
        return 0;
    }
}
