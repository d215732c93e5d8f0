using System.Globalization;
using CnnVis.Visualizers.ClassActivation;
using CnnVis.Visualizers.Features;
using CnnVis.Visualizers.Gradients;
using CnnVis.Visualizers.Perturbation;

namespace CnnVis.Visualizers;

/// <summary>
/// The methods a user can ask for by spec (the CLI's <c>--method</c>, the monitor's settings, the dashboard), each
/// with a one-line description and its settings. A spec is <c>name[@layer][(key=value,...)]</c>
/// (<see cref="MethodSpec"/>): <c>integrated-gradients(steps=64,baseline=black)</c>, <c>occlusion(window=8,stride=4)</c>,
/// <c>smoothgrad(gradcam,samples=32,noise=0.15)</c>, <c>scorecam@features.11(batch=32)</c>. Unknown keys and bad values
/// are refused by name. Every method's own <see cref="ExplanationMethod.Name"/> can be typed back.
/// </summary>
public static class ExplanationMethods
{
    private sealed record Entry(string Description, bool TakesLayer, IReadOnlyList<MethodSetting> Settings, Func<Request, ExplanationMethod> Make);

    private const int MaxSamples = 4096;
    private const int MaxWindow = 4096;
    private const int MaxBatch = 1024;
    private const double MaxNoise = 10;
    private static readonly string[] s_fills = ["mean", "black"];

    private static readonly MethodSetting s_steps = new("steps", IntegratedGradients.DefaultSteps.ToString(CultureInfo.InvariantCulture), $"1-{MaxSamples}", "points on the path from the baseline to the image");
    private static readonly MethodSetting s_baseline = new("baseline", "mean", "mean or black",
        "where the path starts: mean = 0 in the normalised input, the dataset's mean pixel; black = a 0 pixel");
    private static readonly MethodSetting s_samples = new("samples", SmoothGrad.DefaultSamples.ToString(CultureInfo.InvariantCulture), $"1-{MaxSamples}", "noisy copies per image");
    private static readonly MethodSetting s_noise = new("noise", SmoothGrad.DefaultNoiseLevel.ToString(CultureInfo.InvariantCulture), $"0-{MaxNoise}", "the noise's standard deviation as a fraction of each image's value range");
    private static readonly MethodSetting s_window = new("window", "4", $"1-{MaxWindow}", "side of the square patch, in pixels");
    private static readonly MethodSetting s_stride = new("stride", "2", $"1-{MaxWindow}", "pixels between one patch and the next");
    private static readonly MethodSetting s_fill = new("fill", "mean", "mean or black",
        "what fills the patch: mean = 0 in the normalised input, the dataset's mean pixel; black = a 0 pixel");
    private static readonly MethodSetting s_batch = new("batch", $"the pass's limit ({ExplanationPass.DefaultMaxBatch})", $"1-{MaxBatch}", "masked images per forward: memory and speed, not the map");
    private static readonly MethodSetting s_inner = new("(method)", "saliency", "any other method's spec", "the method whose maps are smoothed, written first: smoothgrad(gradcam,samples=32)");

    private static readonly OrderedDictionary<string, Entry> s_entries = new(StringComparer.Ordinal)
    {
        ["cam"] = new("CAM: the classifier's weights for the class weigh the channels pooled into it (GAP + linear heads)", false, [], _ => new Cam()),
        ["gradcam"] = new("Grad-CAM: channels weighted by their position-averaged gradient", true, [], r => new GradCam(r.Layer)),
        ["gradcam++"] = new("Grad-CAM++: channels weighted by positive gradients with higher-order terms", true, [], r => new GradCamPlusPlus(r.Layer)),
        ["layercam"] = new("LayerCAM: every position of every channel weighted by its own positive gradient", true, [], r => new LayerCam(r.Layer)),
        ["scorecam"] = new("Score-CAM: channels weighted by the class probability of the image masked by each channel", true, [s_batch],
            r => new ScoreCam(r.Layer, batch: r.Has("batch") ? r.Int("batch", 0, 1, MaxBatch) : null)),
        ["eigencam"] = new("Eigen-CAM: the first principal component of the layer's activations (class-independent)", true, [], r => new EigenCam(r.Layer)),
        ["saliency"] = new("Saliency: largest absolute input gradient over channels", false, [], _ => new Saliency()),
        ["gradient-x-input"] = new("Gradient x input: each pixel's gradient times its value", false, [], _ => new GradientTimesInput()),
        ["guided-backprop"] = new("Guided backpropagation: only positive gradient through ReLUs with positive input (colour)", false, [], _ => new GuidedBackprop()),
        ["guided-backprop-grey"] = new("Guided backpropagation, absolute values summed over channels", false, [], _ => new GuidedBackprop(GradientView.Grey)),
        ["guided-backprop-positive"] = new("Guided backpropagation, positive part only (positive saliency)", false, [], _ => new GuidedBackprop(GradientView.Positive)),
        ["guided-backprop-negative"] = new("Guided backpropagation, magnitude of the negative part (negative saliency)", false, [], _ => new GuidedBackprop(GradientView.Negative)),
        ["deconvnet"] = new("Deconvnet: only positive gradient through every ReLU, whatever its input", false, [], _ => new Deconvnet()),
        ["guided-gradcam"] = new("Guided Grad-CAM: Grad-CAM times guided backpropagation", true, [], r => new GuidedGradCam(new GradCam(r.Layer))),
        ["integrated-gradients"] = new("Integrated gradients: (x - baseline) times the gradient averaged along the straight path from the baseline " +
            "(by default the dataset's mean image, 0 in the normalised input: mid-grey on Fashion-MNIST; baseline=black starts from black)", false, [s_steps, s_baseline],
            r => new IntegratedGradients(r.Int("steps", IntegratedGradients.DefaultSteps, 1, MaxSamples), r.Fill("baseline"))),
        ["smoothgrad"] = new("SmoothGrad: a method's maps (saliency unless another is named) averaged over noisy copies of the image", false, [s_inner, s_samples, s_noise],
            r => new SmoothGrad(r.Inner(), r.Int("samples", SmoothGrad.DefaultSamples, 1, MaxSamples), r.Number("noise", SmoothGrad.DefaultNoiseLevel, 0, MaxNoise))),
        ["occlusion"] = new("Occlusion: drop of the class score when a patch is filled with the dataset's mean pixel (0 in the normalised input: " +
            "mid-grey on Fashion-MNIST) or, with fill=black, with black; patches slide by the stride", false, [s_window, s_stride, s_fill],
            r => new Occlusion(r.Int("window", 4, 1, MaxWindow), r.Int("stride", 2, 1, MaxWindow), r.Fill("fill"))),
    };

    /// <summary>Every method name a user can type, CAM family first, then gradients, then sampling methods.</summary>
    public static IReadOnlyList<string> Names { get; } = s_entries.Keys.ToList();

    /// <summary>One line per name saying what the method shows.</summary>
    public static IReadOnlyDictionary<string, string> Descriptions { get; } = s_entries.ToDictionary(kv => kv.Key, kv => kv.Value.Description);

    /// <summary>The settings the method called <paramref name="name"/> takes in its spec, with their defaults (none for most).</summary>
    public static IReadOnlyList<MethodSetting> Settings(string name)
    {
        var spec = MethodSpec.Parse(name);
        return Find(spec).Settings;
    }

    /// <summary>The one-line description of the method <paramref name="spec"/> (any case, with its settings and layer); checks the spec.</summary>
    public static string Describe(string spec)
    {
        var parsed = MethodSpec.Parse(spec);
        var method = Make(parsed, null, null, describing: true);
        if (method is SmoothGrad smooth && (parsed.Arguments.Count > 0 || parsed.Settings.Count > 0))
            return string.Create(CultureInfo.InvariantCulture, $"SmoothGrad of {smooth.Inner.Name}: its maps averaged over {smooth.Samples} noisy copies (noise {smooth.NoiseLevel})");
        var description = Find(parsed).Description;
        if (parsed.Settings.Count > 0) description += $"; {string.Join(", ", parsed.Settings.Select(s => $"{s.Key}={s.Value}"))}";
        return parsed.Layer is null ? description : $"{description}, at layer '{parsed.Layer}'";
    }

    /// <summary>Whether the method <paramref name="spec"/> reads a layer (the CAM family), so a layer may be given.</summary>
    public static bool TakesLayer(string spec) => Find(MethodSpec.Parse(spec)).TakesLayer;

    /// <summary>
    /// The method <paramref name="spec"/> (any case). <paramref name="layer"/> (a dotted path) points a CAM-family method
    /// at another layer than the model's explanation layer; other methods take none. <paramref name="input"/> is the
    /// model's input range (<see cref="InputRange.FromNormalization"/>), which says what black is: needed only by
    /// <c>baseline=black</c> and <c>fill=black</c>. Throws <see cref="ArgumentException"/> naming the spec and what is
    /// wrong: an unknown name (listing the known ones), an unknown setting or a bad value.
    /// </summary>
    public static ExplanationMethod Create(string spec, string? layer = null, InputRange? input = null)
    {
        var parsed = MethodSpec.Parse(spec);
        if (layer is not null && layer.Trim().Length == 0) throw new ArgumentException("the layer must not be empty: leave it out for the model's explanation layer", nameof(layer));
        layer = layer?.Trim();
        if (layer is not null && parsed.Layer is not null && layer != parsed.Layer)
            throw new ArgumentException($"'{spec}' names layer '{parsed.Layer}' but layer '{layer}' was given too", nameof(layer));
        if (layer is not null && parsed.Name == "smoothgrad")
            throw new ArgumentException($"'{spec}' takes no layer: give it to the method inside, as smoothgrad(NAME@{layer})", nameof(layer));
        var entry = Find(parsed);
        if (layer is not null && !entry.TakesLayer)
            throw new ArgumentException($"the method '{parsed.Name}' reads no layer, so layer '{layer}' cannot be given to it; methods that take a layer: {string.Join(", ", Names.Where(TakesLayer))}", nameof(layer));
        return Make(parsed, layer, input, describing: false);
    }

    /// <summary>
    /// The methods <paramref name="specs"/>, in order, ready for one <see cref="ExplanationPass"/>: guided Grad-CAM is
    /// built from the Grad-CAM and guided backprop instances also asked for (with the same layer), so the pass computes
    /// each of them once. <paramref name="layer"/> goes to every method that takes a layer and names none;
    /// <paramref name="input"/> as for <see cref="Create"/>. Throws when a spec is bad or a method is asked for twice.
    /// </summary>
    public static IReadOnlyList<ExplanationMethod> CreateMany(IEnumerable<string> specs, string? layer = null, InputRange? input = null)
    {
        ArgumentNullException.ThrowIfNull(specs);
        var list = specs.ToList();
        if (list.Count == 0) throw new ArgumentException($"no method was named; known methods: {string.Join(", ", Names)}", nameof(specs));
        var parsed = list.Select(MethodSpec.Parse).ToList();
        var methods = new ExplanationMethod?[list.Count];
        // Everything but guided Grad-CAM first, so the ones it reuses exist whatever the order of the specs.
        for (var k = 0; k < list.Count; k++)
        {
            if (parsed[k].Name == "guided-gradcam") continue;
            methods[k] = Create(list[k], TakesLayer(list[k]) && parsed[k].Layer is null ? layer : null, input);
        }
        for (var k = 0; k < list.Count; k++)
        {
            if (parsed[k].Name != "guided-gradcam") continue;
            var fresh = (GuidedGradCam)Create(list[k], parsed[k].Layer is null ? layer : null, input);
            var gradCam = methods.OfType<GradCam>().FirstOrDefault(g => g.Layer == fresh.GradCam.Layer) ?? fresh.GradCam;
            var guided = methods.OfType<GuidedBackprop>().FirstOrDefault(g => g.View == GradientView.Colour) ?? fresh.GuidedBackprop;
            methods[k] = new GuidedGradCam(gradCam, guided);
        }
        if (layer is not null && !list.Any(TakesLayer))
            throw new ArgumentException($"layer '{layer}' was given but none of {string.Join(", ", list)} reads a layer; methods that take one: {string.Join(", ", Names.Where(TakesLayer))}", nameof(layer));
        var repeated = methods.GroupBy(m => m!.Name).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null) throw new ArgumentException($"the method '{repeated.Key}' is asked for more than once", nameof(specs));
        return methods.Select(m => m!).ToList();
    }

    private static Entry Find(MethodSpec spec)
    {
        if (!s_entries.TryGetValue(spec.Name, out var entry))
            throw new ArgumentException($"unknown method '{spec.Text}'. Known methods: {string.Join(", ", Names)}");
        if (spec.Layer is not null && !entry.TakesLayer)
            throw new ArgumentException($"the method '{spec.Name}' reads no layer, so '{spec.Text}' cannot name one");
        return entry;
    }

    private static ExplanationMethod Make(MethodSpec spec, string? layer, InputRange? input, bool describing)
    {
        var entry = Find(spec);
        var keys = entry.Settings.Select(s => s.Key).Where(k => !k.StartsWith('(')).ToList();
        foreach (var (key, _) in spec.Settings)
        {
            if (keys.Contains(key)) continue;
            throw new ArgumentException(keys.Count == 0
                ? $"'{spec.Text}': {spec.Name} takes no settings, but '{key}' was given"
                : $"'{spec.Text}': unknown setting '{key}'; {spec.Name} takes {string.Join(", ", keys)}");
        }
        if (spec.Name != "smoothgrad" && spec.Arguments.Count > 0)
            throw new ArgumentException($"'{spec.Text}': '{spec.Arguments[0]}' is not a setting; write key=value{(keys.Count == 0 ? $" ({spec.Name} takes no settings)" : $" ({spec.Name} takes {string.Join(", ", keys)})")}");
        return entry.Make(new Request(spec, layer ?? spec.Layer, input, describing));
    }

    /// <summary>Reads one spec's settings for its method's factory, refusing bad values by name.</summary>
    private sealed class Request(MethodSpec spec, string? layer, InputRange? input, bool describing)
    {
        public string? Layer { get; } = layer;

        public bool Has(string key) => Value(key) is not null;

        public int Int(string key, int fallback, int min, int max)
        {
            var text = Value(key);
            if (text is null) return fallback;
            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
                throw new ArgumentException($"'{spec.Text}': {key} must be a whole number from {min} to {max}, got '{text}'");
            return value;
        }

        public double Number(string key, double fallback, double min, double max)
        {
            var text = Value(key);
            if (text is null) return fallback;
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !(value >= min && value <= max))
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"'{spec.Text}': {key} must be a number from {min} to {max}, got '{text}'"));
            return value;
        }

        /// <summary>mean (0 in the normalised input) or black (each channel's normalised 0 pixel).</summary>
        public Baseline Fill(string key)
        {
            var text = Value(key)?.ToLowerInvariant() ?? "mean";
            if (!s_fills.Contains(text)) throw new ArgumentException($"'{spec.Text}': {key} must be {string.Join(" or ", s_fills)}, got '{Value(key)}'");
            if (text == "mean") return Baseline.Zero;
            if (input is null)
            {
                if (describing) return Baseline.Black([0f]);
                throw new ArgumentException($"'{spec.Text}': {key}=black needs the images' normalisation (mean and std per channel) to know what black is");
            }
            return Baseline.Black(input.Lower);
        }

        public ExplanationMethod Inner()
        {
            if (spec.Arguments.Count > 1)
                throw new ArgumentException($"'{spec.Text}': smoothgrad smooths one method, but {spec.Arguments.Count} are named: {string.Join(", ", spec.Arguments)}");
            if (spec.Arguments.Count == 0) return new Saliency();
            var inner = MethodSpec.Parse(spec.Arguments[0]);
            if (inner.Name == "smoothgrad")
                throw new ArgumentException($"'{spec.Text}': smoothgrad(NAME) needs another method inside, e.g. smoothgrad(guided-backprop)");
            return Make(inner, null, input, describing);
        }

        private string? Value(string key) => spec.Settings.FirstOrDefault(s => s.Key == key).Value;
    }
}
