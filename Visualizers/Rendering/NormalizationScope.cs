namespace CnnVis.Visualizers.Rendering;

/// <summary>Over what maps are scaled to [0, 1].</summary>
public enum NormalizationScope
{
    /// <summary>Each map by its own range: shows where each image's evidence lies.</summary>
    PerMap,

    /// <summary>One range for every map in the set: keeps strengths comparable across images, methods or checkpoints.</summary>
    Shared,
}
