namespace CnnVis.Dashboard.Components.Shared;

/// <summary>
/// One colour per class, the same in every view (wwwroot/js/colors.js holds the same list for the canvases). Red and
/// green are left out: they mean wrong and right.
/// </summary>
public static class ClassColors
{
    public static readonly string[] Palette =
        ["#4e79a7", "#f28e2b", "#b07aa1", "#76b7b2", "#9c755f", "#ff9da7", "#edc948", "#79706e", "#bcbd22", "#17becf"];

    public static string Of(int label) => Palette[((label % Palette.Length) + Palette.Length) % Palette.Length];
}
