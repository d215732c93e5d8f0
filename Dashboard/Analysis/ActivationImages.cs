using System.Globalization;
using CnnVis.Dashboard.Computation;
using CnnVis.Dashboard.Data;
using CnnVis.Monitor.Store;
using CnnVis.Torch;
using CnnVis.Training.Loop;
using CnnVis.Training.Models;
using CnnVis.Visualizers.Features;
using CnnVis.Visualizers.Rendering;

namespace CnnVis.Dashboard.Analysis;

/// <summary>
/// Activation-maximization images of classes or channels at stored checkpoints, made on demand (in a
/// <see cref="ComputationQueue"/> job) and cached in memory, the newest <see cref="MaxCached"/>, keyed by the
/// checkpoint's SHA-256, the layer, the index and the settings: asking again costs nothing, and a changed checkpoint
/// file can never be answered from the cache (it is refused by its hash first).
/// </summary>
public sealed class ActivationImages(PostHocAnalysis analysis)
{
    public const int MaxCached = 256;
    public const int MaxImages = 16;
    public const int MaxSteps = 1000;

    private readonly Lock _gate = new();
    private readonly OrderedDictionary<string, ActivationImage> _cache = [];

    /// <summary>The model's explanation layer, the default for channels.</summary>
    public static string DefaultLayer(RunSummary run)
    {
        ArgumentNullException.ThrowIfNull(run);
        using var model = ModelZoo.Create(run.Model, 1, Math.Max(2, run.ClassNames.Count));
        return model.ExplanationLayer;
    }

    /// <summary>Makes (or finds) the images; throws with a message for the page.</summary>
    public IReadOnlyList<ActivationImage> Make(ActivationRequest request, RunRepository store, ComputationContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(context);
        if (request.Indices.Count is 0 or > MaxImages) throw new ArgumentException($"ask for 1 to {MaxImages} images at once, not {request.Indices.Count}");
        if (request.Steps is < 1 or > MaxSteps) throw new ArgumentException($"steps must be 1 to {MaxSteps}, got {request.Steps}");
        var run = store.Run(request.RunId);
        if (request.Layer is null && request.Indices.FirstOrDefault(k => k < 0 || k >= run.ClassNames.Count, -1) is var bad and >= 0)
            throw new ArgumentException($"class {bad} is out of range: the run has {run.ClassNames.Count} classes (0-{run.ClassNames.Count - 1})");
        if (request.Indices.Any(k => k < 0)) throw new ArgumentException("channel indices must not be negative");

        // The file is checked even when every image is cached: a deleted or changed checkpoint is said so.
        RunReader.VerifyCheckpoint(request.Checkpoint);
        var keys = request.Indices.Select(k => Key(request, k)).ToList();
        var missing = new List<int>();
        lock (_gate)
        {
            for (var n = 0; n < keys.Count; n++)
            {
                if (!_cache.ContainsKey(keys[n])) missing.Add(n);
            }
        }
        if (missing.Count > 0) Compute(request, run, missing.Select(n => request.Indices[n]).ToArray(), missing.Select(n => keys[n]).ToArray(), context);
        lock (_gate)
        {
            return keys.Select((key, n) => missing.Contains(n) ? _cache[key] : _cache[key] with { Cached = true }).ToList();
        }
    }

    private void Compute(ActivationRequest request, RunSummary run, int[] indices, string[] keys, ComputationContext context)
    {
        var facts = analysis.FactsOf(run);
        using var model = ModelZoo.Create(run.Model, facts.Channels, run.ClassNames.Count);
        Checkpoint.LoadWeights(request.Checkpoint.Path, model);
        model.eval();
        var layer = request.Layer;
        var steps = 0;
        // Each ascent step runs the model once: the place to stop and to count.
        using var hook = model.register_forward_hook((_, _, _) =>
        {
            context.ThrowIfCancellationRequested();
            steps++;
            context.Report((double)steps / (request.Steps + 1), $"step {Math.Min(steps, request.Steps)} of {request.Steps}");
            return null;
        });
        var goal = layer is null ? ActivationGoal.Classes(indices) : ActivationGoal.Channels(layer, indices);
        var range = InputRange.FromNormalization(facts.Normalization.Mean, facts.Normalization.Std);
        var settings = new ActivationMaximizationSettings { Steps = request.Steps };
        using var scope = torch.NewDisposeScope();
        using var result = new ActivationMaximization(settings).Run(model, goal, [facts.Channels, facts.Height, facts.Width], range);
        // Each image on its own range, as the filter grids show them.
        var pixels = Pixels.FromUnitRange(MapNormalization.PerMap.Apply(result.Images));
        var made = new List<(string, ActivationImage)>();
        for (var n = 0; n < indices.Length; n++)
        {
            var label = layer is null
                ? $"class {(indices[n] < run.ClassNames.Count ? run.ClassNames[indices[n]] : indices[n].ToString(CultureInfo.InvariantCulture))}"
                : goal.Describe(n);
            made.Add((keys[n], new ActivationImage(label, PngFile.Encode(pixels.select(0, n)), result.FinalScores[n], false)));
        }
        lock (_gate)
        {
            foreach (var (key, image) in made)
            {
                _cache.Remove(key);
                _cache[key] = image;
            }
            while (_cache.Count > MaxCached) _cache.RemoveAt(0);
        }
    }

    private static string Key(ActivationRequest request, int index) =>
        string.Create(CultureInfo.InvariantCulture, $"{request.Checkpoint.Sha256}|{request.Layer ?? "classes"}|{index}|steps={request.Steps}");
}
