using System.Runtime.CompilerServices;
using CnnVis.Visualizers.Rendering;

namespace CnnVis.Visualizers.Tests;

/// <summary>
/// Pictures the tests render, written to this project's artifacts/ folder (ignored by git) so that a person can
/// look at what the grids look like after a run of the suite.
/// </summary>
internal static class TestArtifacts
{
    public static string Folder([CallerFilePath] string source = "") => Path.Combine(Path.GetDirectoryName(source)!, "artifacts");

    public static string Save(ImageGrid grid, string name)
    {
        var folder = Folder();
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name + ".png");
        grid.Save(path);
        return path;
    }
}
