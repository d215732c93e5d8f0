using CnnVis.Torch;

namespace CnnVis.Visualizers.Scores;

/// <summary>
/// How much of a map's positive relevance falls on the object (the energy-based pointing game of Score-CAM,
/// Wang et al., 2020): Σ ReLU(map) over the mask / Σ ReLU(map). 1 when all of it does; a map with no positive
/// relevance at all scores 0. Maps in the input's channels are summed over channels first.
/// </summary>
public static class EnergyInMask
{
    /// <summary>The fraction for each map in <paramref name="maps"/> against its mask in <paramref name="masks"/>.</summary>
    public static double[] Of(Tensor maps, Tensor masks)
    {
        using var scope = torch.NewDisposeScope();
        var relevance = PixelRelevance.Of(maps).clamp_min(0);
        var objects = GroundTruthMasks.Of(masks, relevance.shape);
        var inside = (relevance * objects).flatten(1).sum(1);
        var total = relevance.flatten(1).sum(1);
        var fraction = torch.where(total.gt(0), inside / total.clamp_min(double.Epsilon), torch.zeros_like(total));
        return fraction.data<double>();
    }
}
