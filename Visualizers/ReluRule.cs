namespace CnnVis.Visualizers;

/// <summary>How gradients cross the model's ReLU modules during a pass's backward.</summary>
public enum ReluRule
{
    /// <summary>The model's own ReLUs: the true gradient.</summary>
    Standard,

    /// <summary>Guided backpropagation (Springenberg et al.): only positive gradient, only where the input was positive.</summary>
    Guided,

    /// <summary>Deconvnet (Zeiler and Fergus): only positive gradient, whatever the input.</summary>
    Deconvnet,
}
