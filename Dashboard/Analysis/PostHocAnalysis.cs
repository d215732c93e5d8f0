using System.Globalization;
using System.Text.Json;
using CnnVis.Dashboard.Computation;
using CnnVis.Dashboard.Data;
using CnnVis.Monitor.Store;
using CnnVis.Torch;
using CnnVis.Training.Data;
using CnnVis.Training.Loop;
using CnnVis.Training.Models;
using CnnVis.Visualizers;
using CnnVis.Visualizers.Features;
using CnnVis.Visualizers.Rendering;
using CnnVis.Visualizers.Targets;

namespace CnnVis.Dashboard.Analysis;

/// <summary>
/// Explains one image of a run with stored checkpoints (each verified against the SHA-256 the store recorded) or an
/// uploaded state_dict, method by method, reporting progress; runs inside a <see cref="ComputationQueue"/> job.
/// Results are kept in memory, the newest <see cref="KeptResults"/>, for the download endpoints.
/// </summary>
public sealed class PostHocAnalysis
{
    public const int KeptResults = 32;

    private readonly Lock _gate = new();
    private readonly OrderedDictionary<Guid, PostHocResult> _results = [];
    private readonly Dictionary<string, DatasetFacts> _facts = [];
    private readonly Dictionary<string, ImageDataset> _validation = [];

    /// <summary>A kept result, or null when it is unknown or was dropped to make room.</summary>
    public PostHocResult? Result(Guid id)
    {
        lock (_gate) return _results.GetValueOrDefault(id);
    }

    /// <summary>The input size, normalisation and classes of the run's data (read once per dataset).</summary>
    public DatasetFacts FactsOf(RunSummary run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var (name, seed, _) = DataOf(run);
        var key = $"{name}\n{seed}\n{run.Model}";
        lock (_gate)
        {
            if (_facts.TryGetValue(key, out var known)) return known;
        }
        // As the run's model read the data: the ImageNet ResNet-18 takes 224x224 pixels in [0, 1], not the data's own size and statistics.
        var facts = ModelZoo.DescribeDataset(name, run.Model, train: false, seed: seed);
        lock (_gate) _facts[key] = facts;
        return facts;
    }

    /// <summary>How many validation images the run was evaluated on (its validation limit, else the whole test split).</summary>
    public int ValidationCount(RunSummary run)
    {
        var (_, _, limit) = DataOf(run);
        var count = Validation(run).Count;
        return limit > 0 ? Math.Min(limit, count) : count;
    }

    /// <summary>Runs <paramref name="request"/>; probes come from <paramref name="store"/>. Throws with a message for the page.</summary>
    public PostHocResult Explain(PostHocRequest request, RunRepository store, ComputationContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(context);
        if (request.Models.Count == 0) throw new ArgumentException("choose a checkpoint or upload a model to explain with");
        if (request.Methods.Count == 0 && request.Views.Count == 0) throw new ArgumentException("choose at least one method or view");
        foreach (var view in request.Views) LayerViews.Check(view);
        var colormap = Colormap.FromName(request.Colormap);
        var run = store.Run(request.RunId);
        context.Report(0, "reading the image");
        var facts = FactsOf(run);
        var classes = run.ClassNames.Count;
        var range = InputRange.FromNormalization(facts.Normalization.Mean, facts.Normalization.Std);
        // Specs are checked before any checkpoint is read.
        if (request.Methods.Count > 0) ExplanationMethods.CreateMany(request.Methods, null, range);

        using var scope = torch.NewDisposeScope();
        var (display, label, imageName) = Image(request, run, facts, store);
        var normalised = facts.Normalization.Apply(display);
        // Views alone explain no class: an uploaded image's missing label is no reason to refuse them.
        var target = request.Methods.Count == 0 ? PredictedClass.Instance : Target(request.Target, label, classes);
        var imagePng = PngFile.Encode(Pixels.FromUnitRange(display).select(0, 0));
        var names = request.Methods.Concat(request.Views.Select(LayerViews.Caption)).ToList();
        var total = request.Models.Count * names.Count;
        var rows = new List<PostHocRow>();
        for (var m = 0; m < request.Models.Count; m++)
        {
            var choice = request.Models[m];
            context.Report((double)m * names.Count / total, $"loading {choice.Label}");
            using var model = Load(choice, run, facts);
            model.eval();
            var forwards = 0;
            var done = m * names.Count;
            // Every chunk of every method passes through the model's forward: the place to stop and to count.
            using var hook = model.register_forward_hook((_, _, _) =>
            {
                context.ThrowIfCancellationRequested();
                forwards++;
                context.Report((double)done / total, $"{choice.Label}: {names[Math.Min(done - m * names.Count, names.Count - 1)]}, {forwards} forwards");
                return null;
            });
            var (predicted, probability) = Predict(model, normalised);
            var methods = request.Methods.Count > 0 ? ExplanationMethods.CreateMany(request.Methods, null, range) : [];
            var maps = new List<PostHocMap>();
            foreach (var method in methods)
            {
                using var map = method.Explain(model, normalised, target);
                using var picture = ExplanationPictures.Of(display, map, colormap);
                using var first = map.select(0, 0);
                maps.Add(new PostHocMap(method.Name, PngFile.Encode(picture.select(0, 0)), NpyFile.Encode(first)));
                done++;
            }
            foreach (var view in request.Views)
            {
                maps.Add(LayerViews.Make(view, model, display, normalised, range, colormap, context));
                done++;
            }
            var explained = request.Methods.Count == 0 ? predicted : request.Target switch
            {
                "predicted" => predicted,
                "true" => label!.Value,
                _ => ((ClassTarget)target).Class,
            };
            rows.Add(new PostHocRow(choice.Label, predicted, probability, explained, label is { } l ? l == predicted : null, maps));
        }
        context.Report(1, "done");
        var result = new PostHocResult(Guid.NewGuid(), imageName, imagePng, label, names, rows);
        lock (_gate)
        {
            while (_results.Count >= KeptResults) _results.RemoveAt(0);
            _results[result.Id] = result;
        }
        return result;
    }

    private static ExplanationTarget Target(string text, int? label, int classes) => text switch
    {
        "predicted" => PredictedClass.Instance,
        "true" => label is { } l ? new TrueLabel(l) : throw new ArgumentException("an uploaded image has no label: explain the predicted class or a chosen class"),
        _ when int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var k) && k < classes => new ClassTarget(k),
        _ => throw new ArgumentException($"target '{text}' is not predicted, true or a class from 0 to {classes - 1}"),
    };

    private static (int Class, double Probability) Predict(Module model, Tensor normalised)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var probabilities = torch.nn.functional.softmax(model.call(normalised), 1).select(0, 0);
        var best = probabilities.argmax().item<long>();
        return ((int)best, probabilities.select(0, best).item<float>());
    }

    private static ClassifierModel Load(ModelChoice choice, RunSummary run, DatasetFacts facts)
    {
        var model = ModelZoo.Create(choice.Uploaded?.Model ?? run.Model, facts.Channels, run.ClassNames.Count);
        try
        {
            if (choice.Stored is { } stored)
            {
                // A deleted or changed file is refused by the store's own check, naming the file.
                RunReader.VerifyCheckpoint(stored);
                Checkpoint.LoadWeights(stored.Path, model);
            }
            else if (choice.Uploaded is { } uploaded) Uploads.Load(model, uploaded.Bytes, uploaded.FileName);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The image [1, C, H, W] in [0, 1] at the dataset's size, its label when known, and its name.</summary>
    private (Tensor Display, int? Label, string Name) Image(PostHocRequest request, RunSummary run, DatasetFacts facts, RunRepository store)
    {
        switch (request.Source)
        {
            case ImageSource.Probe:
            {
                var probe = store.Probes(run.Id).FirstOrDefault(p => p.Probe == request.Index)
                    ?? throw new ArgumentException($"run {run.Id} has no probe {request.Index}");
                var pixels = torch.tensor(probe.Image, new long[] { 1, probe.Channels, probe.Height, probe.Width }).to(ScalarType.Float32) / 255.0;
                return (Fit(pixels, facts), probe.Label, $"probe {probe.Probe} (validation image {probe.DatasetIndex})");
            }
            case ImageSource.Validation:
            {
                var count = ValidationCount(run);
                if (request.Index < 0 || request.Index >= count)
                    throw new ArgumentException($"validation image {request.Index} is out of range: the run was validated on {count} images (0-{count - 1})");
                var dataset = Validation(run);
                var values = new float[dataset.ImageLength];
                dataset.CopyImage(request.Index, values);
                return (torch.tensor(values, new long[] { 1, dataset.Channels, dataset.Height, dataset.Width }), dataset.Label(request.Index), $"validation image {request.Index}");
            }
            default:
            {
                var upload = request.Upload ?? throw new ArgumentException("upload an image first");
                var hwc = torch.tensor(upload.Pixels, new long[] { upload.Height, upload.Width, upload.Channels });
                var chw = hwc.permute(2, 0, 1).unsqueeze(0).to(ScalarType.Float32) / 255.0;
                return (Fit(chw, facts), null, upload.FileName);
            }
        }
    }

    // An image of another size or channel count is brought to the model's input.
    private static Tensor Fit(Tensor image, DatasetFacts facts)
    {
        if (image.size(1) != facts.Channels)
            image = facts.Channels == 1 ? image.mean([1], keepdim: true) : image.expand(-1, facts.Channels, -1, -1);
        if (image.size(2) != facts.Height || image.size(3) != facts.Width)
            image = torch.nn.functional.interpolate(image, new long[] { facts.Height, facts.Width }).clamp(0, 1);
        return image;
    }

    private ImageDataset Validation(RunSummary run)
    {
        var (name, seed, _) = DataOf(run);
        var key = $"{name}\n{seed}\n{run.Model}";
        lock (_gate)
        {
            if (_validation.TryGetValue(key, out var known)) return known;
        }
        var dataset = ModelZoo.OpenDataset(name, run.Model, train: false, seed: seed);
        lock (_gate)
        {
            // A handful of datasets at most: a dashboard serves one store.
            if (_validation.Count >= 4) _validation.Clear();
            _validation[key] = dataset;
        }
        return dataset;
    }

    /// <summary>The dataset, seed and validation limit the run was trained with, from its stored configuration.</summary>
    private static (string Name, long Seed, int ValidationLimit) DataOf(RunSummary run)
    {
        long seed = 0;
        var limit = 0;
        try
        {
            using var json = JsonDocument.Parse(run.Configuration);
            if (json.RootElement.ValueKind == JsonValueKind.Object)
            {
                if (json.RootElement.TryGetProperty("Seed", out var s) && s.TryGetInt64(out var sv)) seed = sv;
                if (json.RootElement.TryGetProperty("ValidationLimit", out var v) && v.TryGetInt32(out var vv)) limit = vv;
            }
        }
        catch (JsonException)
        {
            // A configuration that is not JSON says nothing about the data beyond its name.
        }
        return (run.Dataset, seed, limit);
    }
}
