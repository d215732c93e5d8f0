namespace CnnVis.Torch.Tests;

/// <summary>Paths of the files in Fixtures/ (made by make_fixtures.py with PyTorch, copied next to the test assembly).</summary>
internal static class Fixture
{
    public static string Path(string name)
    {
        var path = System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", name);
        if (!File.Exists(path)) throw new FileNotFoundException($"test fixture {name} is missing; run Fixtures/make_fixtures.py", path);
        return path;
    }

    /// <summary>A fresh folder under the temp directory, deleted when disposed.</summary>
    public static TempFolder NewTempFolder() => new();

    public sealed class TempFolder : IDisposable
    {
        public TempFolder()
        {
            Root = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "cnnvis-torch-tests-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Root);
        }

        public string Root { get; }

        public string File(string name) => System.IO.Path.Combine(Root, name);

        public void Dispose()
        {
            if (Directory.Exists(Root)) Directory.Delete(Root, true);
        }
    }
}
