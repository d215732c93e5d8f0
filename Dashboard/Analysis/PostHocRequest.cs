namespace CnnVis.Dashboard.Analysis;

/// <summary>
/// One post-hoc analysis: explain one image of run <paramref name="RunId"/> with every model of
/// <paramref name="Models"/> (one, or two to compare) by every method spec of <paramref name="Methods"/>, for
/// <paramref name="Target"/> ("predicted", "true" or a class index), drawn with <paramref name="Colormap"/>.
/// <paramref name="Index"/> picks the probe or validation image; <paramref name="Upload"/> is the uploaded one.
/// <paramref name="Views"/> are class-agnostic views (<see cref="LayerViews"/>) made with each model after the methods.
/// </summary>
public sealed record PostHocRequest(long RunId, IReadOnlyList<ModelChoice> Models, ImageSource Source, int Index, UploadedImage? Upload,
    IReadOnlyList<string> Methods, string Target, string Colormap)
{
    public IReadOnlyList<LayerView> Views { get; init; } = [];
}
