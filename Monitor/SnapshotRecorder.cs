using CnnVis.Monitor.Store;
using CnnVis.Torch;
using CnnVis.Visualizers;
using CnnVis.Visualizers.ClassActivation;
using CnnVis.Visualizers.Features;
using CnnVis.Visualizers.Scores;
using CnnVis.Visualizers.Targets;

namespace CnnVis.Monitor;

/// <summary>
/// Makes one snapshot's records: every probe × method × target map from one fused pass per target, the probes'
/// probabilities, Grad-CAM's channel weights, the first-layer filters, layer statistics, drift against the previous
/// snapshot and, when asked, trust scores. Keeps the previous maps for drift.
/// </summary>
internal sealed class SnapshotRecorder : IDisposable
{
    private readonly IReadOnlyList<string> _methods;
    private readonly IReadOnlyList<string> _targets;
    private readonly MonitorOptions _options;
    private readonly LayerTracker _layers;
    private readonly Dictionary<(string method, string target), Tensor> _previous = new();

    public SnapshotRecorder(IReadOnlyList<string> methods, MonitorOptions options)
    {
        _methods = methods;
        _options = options;
        _targets = options.Targets switch
        {
            MonitorTargets.True => ["true"],
            MonitorTargets.Predicted => ["predicted"],
            _ => ["true", "predicted"],
        };
        _layers = new LayerTracker(options.HistogramBins);
    }

    public SnapshotRecord Take(Module model, ProbeSet probes, Tensor? masks, long step, int epoch, string reason, bool trust, PhaseClock clock)
    {
        var explainable = (IExplainableModel)model;
        var methods = ExplanationMethods.CreateMany(_methods).ToList();
        var wantsWeights = _methods.Contains("gradcam");
        if (wantsWeights) methods.Add(new GradCamChannelWeights());
        var pass = new ExplanationPass(methods);
        var maps = new List<MapRecord>();
        var probabilities = new List<ProbeProbabilities>();
        var weights = new List<ChannelWeights>();
        var scores = new List<TrustScore>();
        var count = probes.Count;
        foreach (var targetName in _targets)
        {
            ExplanationTarget target = targetName == "true" ? new TrueLabel(probes.Labels) : PredictedClass.Instance;
            ExplanationSet set;
            using (clock.Time("explain")) set = pass.Run(model, probes.Images, target);
            using var disposeSet = set;
            var classes = set.Classes.data<long>();
            if (probabilities.Count == 0)
            {
                using var softmax = torch.softmax(set.Logits, 1);
                var p = softmax.data<float>();
                var classCount = p.Length / count;
                for (var n = 0; n < count; n++) probabilities.Add(new ProbeProbabilities(n, p.AsSpan(n * classCount, classCount).ToArray()));
            }
            foreach (var method in methods.Where(m => m.Name != GradCamChannelWeights.MethodName))
            {
                var map = set[method.Name];
                var shape = map.shape;
                var (channels, height, width) = shape.Length == 4 ? ((int)shape[1], (int)shape[2], (int)shape[3]) : (1, (int)shape[1], (int)shape[2]);
                var values = map.data<float>();
                var length = channels * height * width;
                double[]? rho = null, iou = null;
                if (_previous.TryGetValue((method.Name, targetName), out var earlier))
                {
                    using var lap = clock.Time("drift");
                    // Probes added since (the wrong ones) come last: the earlier probes compare one to one.
                    var shared = (int)Math.Min(earlier.size(0), count);
                    using var now = map.narrow(0, 0, shared);
                    using var before = earlier.narrow(0, 0, shared);
                    rho = MapSimilarity.Spearman(now, before);
                    iou = MapSimilarity.TopKIntersectionOverUnion(now, before, 0.1);
                }
                var natural = NaturalMaps(set, method.Name, count);
                using (clock.Time("maps"))
                for (var n = 0; n < count; n++)
                {
                    maps.Add(new MapRecord(n, method.Name, targetName, (int)classes[n], channels, height, width, values.AsSpan(n * length, length).ToArray(),
                        rho is not null && n < rho.Length ? rho[n] : null, iou is not null && n < iou.Length ? iou[n] : null) { Natural = natural?[n] });
                }
                if (trust)
                {
                    using var lap = clock.Time("trust");
                    scores.AddRange(Trust(model, probes, masks, map, target, method.Name, targetName));
                }
                earlier?.Dispose();
                _previous[(method.Name, targetName)] = map.clone().DetachFromDisposeScope();
            }
            if (wantsWeights)
            {
                var w = set[GradCamChannelWeights.MethodName];
                var values = w.data<float>();
                var channels = values.Length / count;
                for (var n = 0; n < count; n++)
                    weights.Add(new ChannelWeights(n, targetName, explainable.ExplanationLayer, values.AsSpan(n * channels, channels).ToArray()));
            }
        }
        FilterImage? filters = null;
        if (_options.Filters && model.named_modules().Any(m => m.module is Torch.Modules.Conv2d))
        {
            using var lap = clock.Time("filters");
            using var f = FirstLayerFilters.Of(model);
            var s = f.shape;
            filters = new FilterImage(FirstLayerFilters.PathOf(model), (int)s[0], (int)s[1], (int)s[2], (int)s[3], f.data<float>());
        }
        IReadOnlyList<LayerStatistics> layers;
        using (clock.Time("layers")) layers = _layers.Measure(model);
        return new SnapshotRecord(step, epoch, reason, 0)
        {
            Maps = maps, Probabilities = probabilities, ChannelWeights = weights, Filters = filters, Layers = layers, Trust = scores,
        };
    }

    // A CAM method's map on its layer's grid, which the pass reports beside the upsampled one; null for other methods.
    private static NaturalMap[]? NaturalMaps(ExplanationSet set, string method, int count)
    {
        if (!set.Reports.TryGetValue($"{method}.{CamMethod.LayerMapReport}", out var layer) || layer.Dimensions != 3) return null;
        var (height, width) = ((int)layer.size(1), (int)layer.size(2));
        var values = layer.data<float>();
        return Enumerable.Range(0, count).Select(n => new NaturalMap(height, width, values.AsSpan(n * height * width, height * width).ToArray())).ToArray();
    }

    private List<TrustScore> Trust(Module model, ProbeSet probes, Tensor? masks, Tensor map, ExplanationTarget target, string method, string targetName)
    {
        using var scope = torch.NewDisposeScope();
        // The deletion curves' forwards run without gradients in eval mode: conv_stack with batch norm folded is the
        // fast way there (equal up to float rounding, which a score compared over time does not notice).
        using var fused = torch.fused_inference();
        var n = Math.Min(probes.Count, _options.TrustProbes);
        // The first probes only: the target resolves per image, so a true-label target is cut to the same probes.
        var images = probes.Images.narrow(0, 0, n);
        var maps = map.narrow(0, 0, n);
        var scored = target is TrueLabel ? new TrueLabel(probes.Labels.Take(n)) : target;
        var deletion = new DeletionInsertion(_options.DeletionSteps).Deletion(model, images, maps, scored);
        var scores = new List<TrustScore> { new(method, targetName, "deletion-auc", deletion.MeanAuc) };
        if (masks is null) return scores;
        var objects = masks.narrow(0, 0, n);
        scores.Add(new TrustScore(method, targetName, "pointing-game", PointingGame.HitRate(maps, objects)));
        scores.Add(new TrustScore(method, targetName, "energy-in-mask", EnergyInMask.Of(maps, objects).Average()));
        return scores;
    }

    public void Dispose()
    {
        foreach (var map in _previous.Values) map.Dispose();
        _previous.Clear();
    }
}
