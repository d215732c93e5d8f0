using CnnVis.Torch;

namespace CnnVis.Visualizers.Rendering;

/// <summary>
/// How raw maps are scaled to [0, 1] for display: min-max, or, with <paramref name="Symmetric"/>, around zero
/// (v / max|v| mapped so that 0 sits at 0.5, for signed maps such as a colour gradient). A map without any
/// range becomes 0 (or 0.5 when symmetric) instead of NaN.
/// </summary>
public sealed record MapNormalization(NormalizationScope Scope = NormalizationScope.PerMap, bool Symmetric = false)
{
    public static MapNormalization PerMap { get; } = new();

    public static MapNormalization Shared { get; } = new(NormalizationScope.Shared);

    /// <summary>Scales a batch of maps [N, ...] (each map is one entry of the first dimension): a new float32 tensor.</summary>
    public Tensor Apply(Tensor maps)
    {
        ArgumentNullException.ThrowIfNull(maps);
        if (maps.Dimensions < 2) throw new ArgumentException($"maps must be a batch [N, ...], got shape [{string.Join(", ", maps.shape)}]", nameof(maps));
        using var scope = torch.NewDisposeScope();
        var values = maps.to(ScalarType.Float32);
        var perMap = values.flatten(1);
        var keep = Enumerable.Repeat(1L, maps.Dimensions - 1).Prepend(maps.size(0)).ToArray();
        Tensor result;
        if (Symmetric)
        {
            var magnitude = Scope == NormalizationScope.PerMap ? perMap.abs().amax(new[] { 1L }).view(keep) : perMap.abs().max();
            result = ((values / magnitude.clamp_min(1e-30)) + 1) * 0.5;
        }
        else
        {
            var low = Scope == NormalizationScope.PerMap ? perMap.amin(new[] { 1L }).view(keep) : perMap.min();
            var high = Scope == NormalizationScope.PerMap ? perMap.amax(new[] { 1L }).view(keep) : perMap.max();
            result = (values - low) / (high - low).clamp_min(1e-30);
        }
        return scope.MoveToOuter(result.clamp(0, 1));
    }

    /// <summary>Scales several batches of maps (say, one per method) together, or each on its own per the scope.</summary>
    public IReadOnlyList<Tensor> Apply(IReadOnlyList<Tensor> sets)
    {
        ArgumentNullException.ThrowIfNull(sets);
        if (Scope == NormalizationScope.PerMap) return sets.Select(Apply).ToList();
        using var scope = torch.NewDisposeScope();
        // One range over all of them: flatten each set and normalise the concatenation, then cut it apart again.
        var flat = sets.Select(s => s.to(ScalarType.Float32).reshape(1, -1)).ToArray();
        var joined = Apply(torch.cat(flat, 1));
        var parts = new List<Tensor>();
        long start = 0;
        foreach (var s in sets)
        {
            var n = s.numel();
            parts.Add(scope.MoveToOuter(joined.narrow(1, start, n).reshape(s.shape)));
            start += n;
        }
        return parts;
    }
}
