using System.Globalization;

namespace CnnVis.Visualizers.Dreams;

/// <summary>
/// How deep dream climbs (Mordvintsev et al., 2015): which layer (and optionally which channel) it amplifies, over how
/// many octaves (each <see cref="OctaveScale"/> times larger than the one before, the last at the photo's own size),
/// how many normalised gradient steps of what size per octave, and how far the image is rolled at random before each
/// step. Written as a method spec: <c>deepdream@layer3(octaves=4,scale=1.4,steps=10,step=0.05,jitter=8,channel=5)</c>.
/// </summary>
public sealed record DeepDreamSettings
{
    public const string MethodName = "deepdream";
    public const int MaxOctaves = 12;
    public const double MaxOctaveScale = 4;
    public const int MaxSteps = 10_000;
    public const double MaxStepSize = 10;
    public const int MaxJitter = 1024;

    /// <summary>What each key of the spec means, for --help and listings.</summary>
    public static IReadOnlyList<MethodSetting> Keys { get; } =
    [
        new("octaves", "4", $"1-{MaxOctaves}", "image sizes climbed, smallest first; the last is the photo's size"),
        new("scale", "1.4", $"more than 1, at most {MaxOctaveScale}", "how much larger each octave is than the one before"),
        new("steps", "10", $"1-{MaxSteps}", "gradient steps per octave"),
        new("step", "0.05", $"more than 0, at most {MaxStepSize}", "step size in the model's input units; each step's gradient is divided by its mean absolute value"),
        new("jitter", "8", $"0-{MaxJitter}", "largest random roll of the image, in pixels, before each step (undone after it)"),
        new("channel", "all", "a channel index", "amplify one channel's mean activation instead of the whole layer's squared activation"),
        new("seed", "0", "a whole number", "seed of the jitter: the same seed gives the same dream"),
    ];

    public DeepDreamSettings(string layer)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(layer);
        Layer = layer.Trim();
    }

    /// <summary>Dotted path of the layer whose activations are amplified, e.g. "layer3" or "features.12".</summary>
    public string Layer { get; }

    /// <summary>One channel of the layer to amplify (its mean activation), or null for the whole layer (mean squared activation).</summary>
    public int? Channel { get; init; }

    public int Octaves { get; init; } = 4;

    public double OctaveScale { get; init; } = 1.4;

    /// <summary>Gradient steps per octave.</summary>
    public int Steps { get; init; } = 10;

    /// <summary>Each pixel's mean move per step, in the model's input units.</summary>
    public double StepSize { get; init; } = 0.05;

    /// <summary>Largest random roll, in pixels, before each step.</summary>
    public int Jitter { get; init; } = 8;

    public int Seed { get; init; }

    /// <summary>
    /// Reads <paramref name="spec"/>, <c>deepdream@LAYER(key=value,...)</c>; <paramref name="layer"/> stands in when the spec
    /// names none. Throws <see cref="ArgumentException"/> naming the spec and the bad part.
    /// </summary>
    public static DeepDreamSettings Parse(string spec, string? layer = null)
    {
        var parsed = MethodSpec.Parse(spec);
        if (parsed.Name is not (MethodName or "deep-dream"))
            throw new ArgumentException($"'{parsed.Text}' is not a deep dream spec: write {MethodName}@LAYER(octaves=4,scale=1.4,steps=10,step=0.05,jitter=8)");
        if (parsed.Arguments.Count > 0)
            throw new ArgumentException($"'{parsed.Text}': '{parsed.Arguments[0]}' is not a setting; write key=value ({string.Join(", ", Keys.Select(k => k.Key))})");
        if (layer is not null && parsed.Layer is not null && layer.Trim() != parsed.Layer)
            throw new ArgumentException($"'{parsed.Text}' names layer '{parsed.Layer}' but layer '{layer}' was given too");
        var chosen = parsed.Layer ?? layer;
        if (string.IsNullOrWhiteSpace(chosen))
            throw new ArgumentException($"'{parsed.Text}' names no layer: write {MethodName}@LAYER, e.g. {MethodName}@layer3");
        var known = Keys.Select(k => k.Key).ToList();
        var unknown = parsed.Settings.FirstOrDefault(s => !known.Contains(s.Key));
        if (unknown.Key is not null)
            throw new ArgumentException($"'{parsed.Text}': unknown setting '{unknown.Key}'; {MethodName} takes {string.Join(", ", known)}");

        string? Value(string key) => parsed.Settings.FirstOrDefault(s => s.Key == key).Value;
        int Int(string key, int fallback, int min, int max)
        {
            var text = Value(key);
            if (text is null) return fallback;
            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
                throw new ArgumentException($"'{parsed.Text}': {key} must be a whole number from {min} to {max}, got '{text}'");
            return value;
        }
        double Number(string key, double fallback, double above, double max)
        {
            var text = Value(key);
            if (text is null) return fallback;
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !(value > above && value <= max))
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"'{parsed.Text}': {key} must be a number more than {above} and at most {max}, got '{text}'"));
            return value;
        }

        var settings = new DeepDreamSettings(chosen)
        {
            Octaves = Int("octaves", 4, 1, MaxOctaves),
            OctaveScale = Number("scale", 1.4, 1, MaxOctaveScale),
            Steps = Int("steps", 10, 1, MaxSteps),
            StepSize = Number("step", 0.05, 0, MaxStepSize),
            Jitter = Int("jitter", 8, 0, MaxJitter),
            Channel = Value("channel") is null ? null : Int("channel", 0, 0, int.MaxValue),
            Seed = Int("seed", 0, int.MinValue, int.MaxValue),
        };
        return settings;
    }

    /// <summary>The spec that gives these settings back through <see cref="Parse"/>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{MethodName}@{Layer}(octaves={Octaves},scale={OctaveScale},steps={Steps},step={StepSize},jitter={Jitter}{(Channel is { } c ? $",channel={c}" : "")},seed={Seed})");

    internal void Validate()
    {
        if (Octaves is < 1 or > MaxOctaves) throw new ArgumentOutOfRangeException(nameof(Octaves), $"deep dream takes 1 to {MaxOctaves} octaves, got {Octaves}");
        if (!(OctaveScale > 1 && OctaveScale <= MaxOctaveScale)) throw new ArgumentOutOfRangeException(nameof(OctaveScale), $"the octave scale must be more than 1 and at most {MaxOctaveScale}, got {OctaveScale}");
        if (Steps is < 1 or > MaxSteps) throw new ArgumentOutOfRangeException(nameof(Steps), $"deep dream takes 1 to {MaxSteps} steps per octave, got {Steps}");
        if (!(StepSize > 0 && StepSize <= MaxStepSize)) throw new ArgumentOutOfRangeException(nameof(StepSize), $"the step size must be more than 0 and at most {MaxStepSize}, got {StepSize}");
        if (Jitter is < 0 or > MaxJitter) throw new ArgumentOutOfRangeException(nameof(Jitter), $"the jitter must be from 0 to {MaxJitter} pixels, got {Jitter}");
        if (Channel is < 0) throw new ArgumentOutOfRangeException(nameof(Channel), $"channel {Channel} is out of range: channels are numbered from 0");
    }
}
