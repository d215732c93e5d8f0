namespace CnnVis.Dashboard.Analysis;

/// <summary>
/// One class-agnostic view asked of the post-hoc page (see <see cref="LayerViews"/> for the kinds): which one, the
/// layer it looks at (none for first-layer filters), the channel (guided backprop and activation maximization) and
/// the gradient steps of activation maximization.
/// </summary>
public sealed record LayerView(string Kind, string? Layer, int? Channel, int Steps);
