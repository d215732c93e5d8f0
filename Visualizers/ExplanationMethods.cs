using CnnVis.Visualizers.ClassActivation;
using CnnVis.Visualizers.Gradients;
using CnnVis.Visualizers.Perturbation;

namespace CnnVis.Visualizers;

/// <summary>
/// The methods a user can ask for by name (the CLI's <c>--method</c>, the monitor's settings), each with a one-line
/// description. Besides the names in <see cref="Names"/>, <c>smoothgrad(NAME)</c> smooths any other method and
/// <c>NAME@LAYER</c> points a layer-taking method at another layer, so every method's own
/// <see cref="ExplanationMethod.Name"/> can be typed back.
/// </summary>
public static class ExplanationMethods
{
    private sealed record Entry(string Description, bool TakesLayer, Func<string?, ExplanationMethod> Make);

    // Sample counts follow the issue's reference measurements (IG 32 steps, SmoothGrad 16 samples, occlusion 4x4 stride 2).
    private static readonly OrderedDictionary<string, Entry> s_entries = new(StringComparer.Ordinal)
    {
        ["cam"] = new("CAM: the classifier's weights for the class weigh the channels pooled into it (GAP + linear heads)", false, _ => new Cam()),
        ["gradcam"] = new("Grad-CAM: channels weighted by their position-averaged gradient", true, l => new GradCam(l)),
        ["gradcam++"] = new("Grad-CAM++: channels weighted by positive gradients with higher-order terms", true, l => new GradCamPlusPlus(l)),
        ["layercam"] = new("LayerCAM: every position of every channel weighted by its own positive gradient", true, l => new LayerCam(l)),
        ["scorecam"] = new("Score-CAM: channels weighted by the class probability of the image masked by each channel", true, l => new ScoreCam(l)),
        ["eigencam"] = new("Eigen-CAM: the first principal component of the layer's activations (class-independent)", true, l => new EigenCam(l)),
        ["saliency"] = new("Saliency: largest absolute input gradient over channels", false, _ => new Saliency()),
        ["gradient-x-input"] = new("Gradient x input: each pixel's gradient times its value", false, _ => new GradientTimesInput()),
        ["guided-backprop"] = new("Guided backpropagation: only positive gradient through ReLUs with positive input (colour)", false, _ => new GuidedBackprop()),
        ["guided-backprop-grey"] = new("Guided backpropagation, absolute values summed over channels", false, _ => new GuidedBackprop(GradientView.Grey)),
        ["guided-backprop-positive"] = new("Guided backpropagation, positive part only (positive saliency)", false, _ => new GuidedBackprop(GradientView.Positive)),
        ["guided-backprop-negative"] = new("Guided backpropagation, magnitude of the negative part (negative saliency)", false, _ => new GuidedBackprop(GradientView.Negative)),
        ["deconvnet"] = new("Deconvnet: only positive gradient through every ReLU, whatever its input", false, _ => new Deconvnet()),
        ["guided-gradcam"] = new("Guided Grad-CAM: Grad-CAM times guided backpropagation", true, l => new GuidedGradCam(new GradCam(l))),
        ["integrated-gradients"] = new("Integrated gradients: (x - baseline) times the gradient averaged along the path from a black baseline (32 steps)", false, _ => new IntegratedGradients(steps: 32)),
        ["smoothgrad"] = new("SmoothGrad of saliency: saliency averaged over 16 noisy copies; smoothgrad(NAME) smooths another method", false, _ => new SmoothGrad(new Saliency(), samples: 16)),
        ["occlusion"] = new("Occlusion: drop of the class score when a 4x4 patch (stride 2) is blacked out", false, _ => new Occlusion(window: 4, stride: 2)),
    };

    /// <summary>Every method name a user can type, CAM family first, then gradients, then sampling methods.</summary>
    public static IReadOnlyList<string> Names { get; } = s_entries.Keys.ToList();

    /// <summary>One line per name saying what the method shows.</summary>
    public static IReadOnlyDictionary<string, string> Descriptions { get; } = s_entries.ToDictionary(kv => kv.Key, kv => kv.Value.Description);

    /// <summary>The one-line description of <paramref name="name"/> (any case, also smoothgrad(NAME) and NAME@LAYER).</summary>
    public static string Describe(string name)
    {
        var (baseName, inner, layer) = Parse(name);
        if (inner is not null) return $"SmoothGrad of {inner}: its maps averaged over 16 noisy copies";
        var description = s_entries[baseName].Description;
        return layer is null ? description : $"{description}, at layer '{layer}'";
    }

    /// <summary>Whether the method called <paramref name="name"/> reads a layer (the CAM family), so a layer may be given.</summary>
    public static bool TakesLayer(string name)
    {
        var (baseName, inner, _) = Parse(name);
        return inner is null && s_entries[baseName].TakesLayer;
    }

    /// <summary>
    /// The method called <paramref name="name"/> (any case). <paramref name="layer"/> (a dotted path) points a
    /// CAM-family method at another layer than the model's explanation layer; other methods take none.
    /// Throws <see cref="ArgumentException"/> naming the known methods when the name is unknown.
    /// </summary>
    public static ExplanationMethod Create(string name, string? layer = null)
    {
        var (baseName, inner, suffixLayer) = Parse(name);
        if (layer is not null && layer.Trim().Length == 0) throw new ArgumentException("the layer must not be empty: leave it out for the model's explanation layer", nameof(layer));
        if (layer is not null && suffixLayer is not null && layer != suffixLayer)
            throw new ArgumentException($"'{name}' names layer '{suffixLayer}' but layer '{layer}' was given too", nameof(layer));
        layer = layer?.Trim() ?? suffixLayer;
        if (inner is not null)
        {
            if (layer is not null) throw new ArgumentException($"'{name}' takes no layer: give it inside, as smoothgrad({inner}@{layer})", nameof(layer));
            return new SmoothGrad(Create(inner), samples: 16);
        }
        var entry = s_entries[baseName];
        if (layer is not null && !entry.TakesLayer)
            throw new ArgumentException($"the method '{baseName}' reads no layer, so layer '{layer}' cannot be given to it; methods that take a layer: {string.Join(", ", Names.Where(TakesLayer))}", nameof(layer));
        return entry.Make(layer);
    }

    /// <summary>
    /// The methods called <paramref name="names"/>, in order, ready for one <see cref="ExplanationPass"/>: guided
    /// Grad-CAM is built from the Grad-CAM and guided backprop instances also asked for (with the same layer), so
    /// the pass computes each of them once. <paramref name="layer"/> goes to every method that takes a layer.
    /// Throws when a name is unknown or asked for twice.
    /// </summary>
    public static IReadOnlyList<ExplanationMethod> CreateMany(IEnumerable<string> names, string? layer = null)
    {
        ArgumentNullException.ThrowIfNull(names);
        var list = names.ToList();
        if (list.Count == 0) throw new ArgumentException($"no method was named; known methods: {string.Join(", ", Names)}", nameof(names));
        var methods = new ExplanationMethod?[list.Count];
        // Everything but guided Grad-CAM first, so the ones it reuses exist whatever the order of the names.
        for (var k = 0; k < list.Count; k++)
        {
            if (IsGuidedGradCam(list[k])) continue;
            methods[k] = Create(list[k], TakesLayer(list[k]) && !HasLayerSuffix(list[k]) ? layer : null);
        }
        for (var k = 0; k < list.Count; k++)
        {
            if (!IsGuidedGradCam(list[k])) continue;
            var fresh = (GuidedGradCam)Create(list[k], HasLayerSuffix(list[k]) ? null : layer);
            var gradCam = methods.OfType<GradCam>().FirstOrDefault(g => g.Layer == fresh.GradCam.Layer) ?? fresh.GradCam;
            var guided = methods.OfType<GuidedBackprop>().FirstOrDefault(g => g.View == GradientView.Colour) ?? fresh.GuidedBackprop;
            methods[k] = new GuidedGradCam(gradCam, guided);
        }
        if (layer is not null && !list.Any(TakesLayer))
            throw new ArgumentException($"layer '{layer}' was given but none of {string.Join(", ", list)} reads a layer; methods that take one: {string.Join(", ", Names.Where(TakesLayer))}", nameof(layer));
        var repeated = methods.GroupBy(m => m!.Name).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null) throw new ArgumentException($"the method '{repeated.Key}' is asked for more than once", nameof(names));
        return methods.Select(m => m!).ToList();
    }

    private static bool IsGuidedGradCam(string name)
    {
        var (baseName, inner, _) = Parse(name);
        return baseName == "guided-gradcam" && inner is null;
    }

    private static bool HasLayerSuffix(string name) => Parse(name).layer is not null;

    /// <summary>Splits "gradcam@features.3" or "smoothgrad(guided-backprop)" into its parts; throws for unknown names.</summary>
    private static (string baseName, string? inner, string? layer) Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var text = name.Trim();
        var lower = text.ToLowerInvariant();
        if (lower.StartsWith("smoothgrad(", StringComparison.Ordinal) && lower.EndsWith(')'))
        {
            var inner = text["smoothgrad(".Length..^1].Trim();
            if (inner.Length == 0 || Parse(inner).baseName == "smoothgrad")
                throw new ArgumentException($"'{name}': smoothgrad(NAME) needs another method inside, e.g. smoothgrad(guided-backprop)", nameof(name));
            return ("smoothgrad", inner, null);
        }
        string? layer = null;
        var at = text.IndexOf('@');
        if (at >= 0)
        {
            layer = text[(at + 1)..].Trim();
            lower = lower[..at].Trim();
            if (layer.Length == 0) throw new ArgumentException($"'{name}' names no layer after '@'", nameof(name));
        }
        if (!s_entries.ContainsKey(lower))
            throw new ArgumentException($"unknown method '{name}'. Known methods: {string.Join(", ", Names)}", nameof(name));
        if (layer is not null && !s_entries[lower].TakesLayer)
            throw new ArgumentException($"the method '{lower}' reads no layer, so '{name}' cannot name one", nameof(name));
        return (lower, null, layer);
    }
}
