using CnnVis.Torch;

namespace CnnVis.Visualizers.Scores;

/// <summary>
/// The pointing game (Zhang et al., 2016): a map scores a hit when its most relevant pixel lies on the object, as
/// the ground-truth mask draws it, or within <c>tolerance</c> pixels of it (a square neighbourhood; Zhang et al.
/// allow 15 px on full-size images). When several pixels share the largest value, all of them must lie there, so a
/// flat map, which points nowhere, misses. Maps in the input's channels are summed over channels.
/// </summary>
public static class PointingGame
{
    /// <summary>Hit or miss for each map in <paramref name="maps"/> against its mask in <paramref name="masks"/>.</summary>
    public static bool[] Hits(Tensor maps, Tensor masks, int tolerance = 0)
    {
        if (tolerance < 0) throw new ArgumentOutOfRangeException(nameof(tolerance), $"the tolerance must not be negative, got {tolerance}");
        using var scope = torch.NewDisposeScope();
        var relevance = PixelRelevance.Of(maps);
        var objects = GroundTruthMasks.Of(masks, relevance.shape);
        if (tolerance > 0)
        {
            // Grow each object by the tolerance: the largest value of the mask over a (2t + 1)² square.
            var size = 2L * tolerance + 1;
            objects = torch.nn.functional.max_pool2d(objects.unsqueeze(1), new[] { size, size }, new[] { 1L, 1L }, new[] { (long)tolerance, (long)tolerance }).squeeze(1);
        }
        var flat = relevance.flatten(1);
        var peaks = flat.eq(flat.amax(new[] { 1L }, keepdim: true));
        var peaksOutside = peaks.logical_and(objects.flatten(1).eq(0)).to(ScalarType.Float64).amax(new[] { 1L });
        return peaksOutside.data<double>().Select(o => o == 0).ToArray();
    }

    /// <summary>The fraction of maps that hit.</summary>
    public static double HitRate(Tensor maps, Tensor masks, int tolerance = 0) => Hits(maps, masks, tolerance).Average(h => h ? 1.0 : 0.0);
}
