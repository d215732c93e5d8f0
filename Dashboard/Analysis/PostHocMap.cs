namespace CnnVis.Dashboard.Analysis;

/// <summary>
/// One method's map: drawn over the image as PNG, and raw as float32 .npy ([H, W] or [C, H, W]); or, with
/// <paramref name="IsView"/>, a class-agnostic view (<see cref="LayerViews"/>), whose picture may be a grid.
/// </summary>
public sealed record PostHocMap(string Method, byte[] Png, byte[] Npy, bool IsView = false);
