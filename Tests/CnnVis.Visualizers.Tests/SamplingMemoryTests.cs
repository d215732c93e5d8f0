using System.Diagnostics;
using System.Runtime.InteropServices;
using CnnVis.Torch;
using CnnVis.Visualizers.ClassActivation;
using CnnVis.Visualizers.Gradients;
using CnnVis.Visualizers.Perturbation;
using CnnVis.Visualizers.Scores;
using CnnVis.Visualizers.Targets;
using CnnVis.Visualizers.Tests.Models;
using Xunit.Abstractions;

namespace CnnVis.Visualizers.Tests;

/// <summary>
/// The batch limit a caller gives a sampling method bounds the native memory it uses, measured as the process's
/// peak resident memory (VmHWM, reset through /proc/self/clear_refs), not only as a count of live tensors.
/// </summary>
[Collection(MemoryMeasurementCollection.Name)]
public class SamplingMemoryTests(ITestOutputHelper output)
{
    private static long StatusKb(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        throw new InvalidOperationException($"/proc/self/status has no {field}");
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    /// <summary>How far resident memory rose above where it stood while <paramref name="action"/> ran, in MiB.</summary>
    private static double PeakRiseMiB(Action action)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        // Free memory that glibc kept from earlier tests would be reused without raising the peak, so a method that
        // ran after a hungrier one could never fail: hand it back first.
        MallocTrim(0);
        // Writing 5 resets the peak to the current resident size (Linux 4.0 and later).
        File.WriteAllText("/proc/self/clear_refs", "5");
        var before = StatusKb("VmRSS");
        action();
        return (StatusKb("VmHWM") - before) / 1024.0;
    }

    [Fact]
    public void ScoreCamStaysWithinTheCallersBatchLimitOnA512ChannelLayer()
    {
        torch.manual_seed(40);
        using var model = new WideLayerModel();
        using var images = torch.rand(new long[] { 1, 3, 224, 224 });
        const int MaxBatch = 16;
        // Warmed up on small images, so the JIT's and libtorch's one-time allocations are not counted while the memory
        // the real run frees stays out of the heap that glibc keeps (reused freed memory would not raise the peak).
        using (var small = torch.rand(new long[] { 1, 3, 16, 16 }))
        using (new ScoreCam().Explain(model, small, PredictedClass.Instance, maxBatch: MaxBatch)) { }

        var watch = Stopwatch.StartNew();
        Tensor? map = null;
        var rise = PeakRiseMiB(() => map = new ScoreCam().Explain(model, images, PredictedClass.Instance, maxBatch: MaxBatch));
        using (map)
        {
            Assert.Equal(new long[] { 1, 224, 224 }, map!.shape);
        }
        // One chunk holds a few copies of 16 masked images (9.2 MiB each copy); all 512 masks at once would be 98 MiB,
        // and every chunk kept until the end, over 1 GiB.
        output.WriteLine($"peak resident memory rose by {rise:F1} MiB in {watch.Elapsed.TotalSeconds:F1} s");
        Assert.True(rise < 8 * MaskedImagesMiB + 48, $"peak resident memory rose by {rise:F0} MiB; the batch limit allows about {8 * MaskedImagesMiB + 48:F0}");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>What one chunk of 16 masked RGB 224x224 images may hold (a few copies of them), as in the Score-CAM test.</summary>
    private const int ChunkLimit = 16;
    private const double MaskedImagesMiB = ChunkLimit * 3 * 224 * 224 * 4 / 1048576.0;

    public static TheoryData<string> OtherSamplingMethods => new() { "smoothgrad", "integrated-gradients", "occlusion", "deletion", "insertion" };

    /// <summary>
    /// Every sampling method sends far more perturbed images than the batch limit through the model (128 noisy copies,
    /// 256 path steps, 729 occluded windows, 129 deletion steps): its peak memory must be one chunk's, not all of them.
    /// </summary>
    [Theory]
    [MemberData(nameof(OtherSamplingMethods))]
    public void SamplingMethodStaysWithinTheCallersBatchLimit(string method)
    {
        torch.manual_seed(41);
        using var model = new WideLayerModel();
        using var images = torch.rand(new long[] { 1, 3, 224, 224 });
        Func<Tensor, Tensor> run = method switch
        {
            "smoothgrad" => x => new SmoothGrad(new Saliency(), samples: 128).Explain(model, x, PredictedClass.Instance, maxBatch: ChunkLimit),
            "integrated-gradients" => x => new IntegratedGradients(steps: 256).Explain(model, x, PredictedClass.Instance, maxBatch: ChunkLimit),
            "occlusion" => x => new Occlusion(window: 16, stride: 8, fill: 0, incremental: false).Explain(model, x, PredictedClass.Instance, maxBatch: ChunkLimit),
            "deletion" or "insertion" => x => Curves(method, model, x),
            _ => throw new ArgumentException(method),
        };
        using (var small = torch.rand(new long[] { 1, 3, 32, 32 }))
        using (run(small)) { }

        var watch = Stopwatch.StartNew();
        Tensor? result = null;
        var rise = PeakRiseMiB(() => result = run(images));
        result!.Dispose();
        output.WriteLine($"{method}: peak resident memory rose by {rise:F1} MiB in {watch.Elapsed.TotalSeconds:F1} s");
        // Gradient methods hold a chunk's images, their gradients and the running sums: about ten copies of one chunk
        // (SmoothGrad measured 84-100 MiB alone); with no chunking they rose by 500-960 MiB.
        Assert.True(rise < 10 * MaskedImagesMiB + 48, $"{method}: peak resident memory rose by {rise:F0} MiB; the batch limit allows about {10 * MaskedImagesMiB + 48:F0}");
    }

    /// <summary>The curves' probabilities as a tensor, so deletion and insertion fit the same harness as the maps.</summary>
    private static Tensor Curves(string kind, WideLayerModel model, Tensor images)
    {
        using var map = torch.rand(new long[] { images.shape[0], images.shape[2], images.shape[3] });
        var scores = new DeletionInsertion(steps: 128, maxBatch: ChunkLimit);
        var curves = kind == "deletion" ? scores.Deletion(model, images, map, PredictedClass.Instance) : scores.Insertion(model, images, map, PredictedClass.Instance);
        return torch.tensor(curves.Auc.Select(a => (float)a).ToArray());
    }
}
