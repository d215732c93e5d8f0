namespace CnnVis.Monitor.Store;

/// <summary>
/// A map at its method's natural resolution, H × W raw float values: a CAM's map on the explained layer's grid
/// (7 × 7 for FashionNet) before it is upsampled to the input.
/// </summary>
public sealed record NaturalMap(int Height, int Width, float[] Values);
