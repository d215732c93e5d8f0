namespace CnnVis.Torch;

/// <summary>What padding fills the border with: a constant, or copies of the edge pixels.</summary>
public enum PaddingMode
{
    Constant,
    Replicate,
}
