namespace CnnVis.Torch;

/// <summary>Resampling used by interpolate.</summary>
public enum InterpolationMode
{
    Bilinear,
    Nearest,
}
