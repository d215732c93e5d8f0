namespace CnnVis.Training.Data;

/// <summary>
/// What one <see cref="SyntheticShapes"/> image shows: its object (centre and radius in pixels,
/// rotation in radians, base colour as RGB in [0, 1]) and the class its spurious marker names, if it has one.
/// </summary>
public sealed record ShapeDescription(int Label, string ClassName, float CenterX, float CenterY, float Radius, float Rotation,
    IReadOnlyList<float> Color, int? MarkerClass);
