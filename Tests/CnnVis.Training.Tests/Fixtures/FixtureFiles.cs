namespace CnnVis.Training.Tests.Fixtures;

/// <summary>Finds files committed beside the tests (made by the scripts next to them, with PyTorch).</summary>
internal static class FixtureFiles
{
    public static string Path(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "Tests", "CnnVis.Training.Tests", "Fixtures", name);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"fixture {name} not found above {AppContext.BaseDirectory}");
    }
}
