using System.Globalization;

namespace CnnVis.Visualizers.Inversion;

/// <summary>
/// How an image is reconstructed from a layer's representation (Mahendran and Vedaldi, 2015): Adam steps from seeded
/// noise on ‖φ(x) − φ(x₀)‖² / ‖φ(x₀)‖² + λ_α·R_α(x) + λ_β·TV_β(x), where the image is measured in units that map the
/// model's input range to [−1, 1] (so the weights mean the same for any normalisation): R_α is the mean of |x|^α
/// (keeps pixels in range) and TV_β the mean of (Δx² + Δy²)^(β/2) over neighbouring pixels (prefers piecewise-smooth
/// images). Written as a method spec: <c>invert@layer2(steps=200,lr=0.05,tv=0.5,beta=2,norm=0.05,alpha=6)</c>.
/// </summary>
public sealed record InversionSettings
{
    public const string MethodName = "invert";
    public const int MaxSteps = 100_000;

    /// <summary>What each key of the spec means, for --help and listings.</summary>
    public static IReadOnlyList<MethodSetting> Keys { get; } =
    [
        new("steps", "200", $"1-{MaxSteps}", "Adam steps"),
        new("lr", "0.05", "more than 0, at most 10", "Adam's learning rate, in the model's input units"),
        new("tv", "0.5", "0-1000", "weight λ_β of the total-variation regulariser"),
        new("beta", "2", "1-10", "exponent β of the total variation"),
        new("norm", "0.05", "0-1000", "weight λ_α of the α-norm regulariser"),
        new("alpha", "6", "1-20", "exponent α of the norm"),
        new("noise", "0.1", "0-10", "standard deviation of the starting noise, as a fraction of the input range"),
        new("seed", "0", "a whole number", "seed of the starting noise"),
    ];

    public int Steps { get; init; } = 200;

    public double LearningRate { get; init; } = 0.05;

    public double TvWeight { get; init; } = 0.5;

    public double Beta { get; init; } = 2;

    public double NormWeight { get; init; } = 0.05;

    public double Alpha { get; init; } = 6;

    public double InitialNoise { get; init; } = 0.1;

    public int Seed { get; init; }

    /// <summary>
    /// Reads <paramref name="spec"/>, <c>invert[@LAYER](key=value,...)</c>, and returns the layer it names (or null) with the
    /// settings. Throws <see cref="ArgumentException"/> naming the spec and the bad part.
    /// </summary>
    public static (string? layer, InversionSettings settings) Parse(string spec)
    {
        var parsed = MethodSpec.Parse(spec);
        if (parsed.Name is not (MethodName or "inversion"))
            throw new ArgumentException($"'{parsed.Text}' is not an inversion spec: write {MethodName}@LAYER(steps=200,tv=0.5,norm=0.05)");
        if (parsed.Arguments.Count > 0)
            throw new ArgumentException($"'{parsed.Text}': '{parsed.Arguments[0]}' is not a setting; write key=value ({string.Join(", ", Keys.Select(k => k.Key))})");
        var known = Keys.Select(k => k.Key).ToList();
        var unknown = parsed.Settings.FirstOrDefault(s => !known.Contains(s.Key));
        if (unknown.Key is not null)
            throw new ArgumentException($"'{parsed.Text}': unknown setting '{unknown.Key}'; {MethodName} takes {string.Join(", ", known)}");

        string? Value(string key) => parsed.Settings.FirstOrDefault(s => s.Key == key).Value;
        double Number(string key, double fallback, double min, double max, bool strict = false)
        {
            var text = Value(key);
            if (text is null) return fallback;
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !(strict ? value > min : value >= min) || !(value <= max))
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"'{parsed.Text}': {key} must be a number {(strict ? "more than" : "from")} {min} {(strict ? "and at most" : "to")} {max}, got '{text}'"));
            return value;
        }
        int Int(string key, int fallback, int min, int max)
        {
            var text = Value(key);
            if (text is null) return fallback;
            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
                throw new ArgumentException($"'{parsed.Text}': {key} must be a whole number from {min} to {max}, got '{text}'");
            return value;
        }

        var settings = new InversionSettings
        {
            Steps = Int("steps", 200, 1, MaxSteps),
            LearningRate = Number("lr", 0.05, 0, 10, strict: true),
            TvWeight = Number("tv", 0.5, 0, 1000),
            Beta = Number("beta", 2, 1, 10),
            NormWeight = Number("norm", 0.05, 0, 1000),
            Alpha = Number("alpha", 6, 1, 20),
            InitialNoise = Number("noise", 0.1, 0, 10),
            Seed = Int("seed", 0, int.MinValue, int.MaxValue),
        };
        return (parsed.Layer, settings);
    }

    internal void Validate()
    {
        if (Steps is < 1 or > MaxSteps) throw new ArgumentOutOfRangeException(nameof(Steps), $"inversion takes 1 to {MaxSteps} steps, got {Steps}");
        if (!(LearningRate > 0 && LearningRate <= 10)) throw new ArgumentOutOfRangeException(nameof(LearningRate), $"the learning rate must be more than 0 and at most 10, got {LearningRate}");
        if (!(TvWeight >= 0 && TvWeight <= 1000)) throw new ArgumentOutOfRangeException(nameof(TvWeight), $"the total-variation weight must be from 0 to 1000, got {TvWeight}");
        if (!(Beta >= 1 && Beta <= 10)) throw new ArgumentOutOfRangeException(nameof(Beta), $"beta must be from 1 to 10, got {Beta}");
        if (!(NormWeight >= 0 && NormWeight <= 1000)) throw new ArgumentOutOfRangeException(nameof(NormWeight), $"the norm weight must be from 0 to 1000, got {NormWeight}");
        if (!(Alpha >= 1 && Alpha <= 20)) throw new ArgumentOutOfRangeException(nameof(Alpha), $"alpha must be from 1 to 20, got {Alpha}");
        if (!(InitialNoise >= 0 && InitialNoise <= 10)) throw new ArgumentOutOfRangeException(nameof(InitialNoise), $"the initial noise must be from 0 to 10, got {InitialNoise}");
    }
}
