namespace CnnVis.Training.Data;

/// <summary>
/// The sample photos Debian's <c>python3-skimage</c> installs (build.sh installs it; the photos are never committed):
/// the astronaut Eileen Collins (NASA, public domain), Chelsea the cat and a coffee cup (both CC0), and the rest of
/// scikit-image's sample set. The CLI takes them as <c>--image sample:NAME</c>. <c>CNNVIS_SAMPLE_PHOTOS</c> names another
/// folder holding them.
/// </summary>
public static class SamplePhotos
{
    /// <summary>Where Debian's package puts the photos.</summary>
    public const string DebianFolder = "/usr/lib/python3/dist-packages/skimage/data";

    /// <summary>The prefix that marks a sample photo where a file is expected: <c>sample:chelsea</c>.</summary>
    public const string Prefix = "sample:";

    /// <summary>The colour photos the README and the tests use, by name.</summary>
    public static IReadOnlyDictionary<string, string> Photos { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["astronaut"] = "astronaut.png",
        ["chelsea"] = "chelsea.png",
        ["cat"] = "chelsea.png",
        ["coffee"] = "coffee.png",
        ["rocket"] = "rocket.jpg",
        ["motorcycle"] = "motorcycle_left.png",
    };

    /// <summary>The folder holding the photos, or null when none is installed.</summary>
    public static string? Folder
    {
        get
        {
            var custom = Environment.GetEnvironmentVariable("CNNVIS_SAMPLE_PHOTOS");
            if (!string.IsNullOrWhiteSpace(custom)) return Directory.Exists(custom) ? custom : null;
            return Directory.Exists(DebianFolder) ? DebianFolder : null;
        }
    }

    /// <summary>Whether the photo <paramref name="name"/> is installed.</summary>
    public static bool IsInstalled(string name) =>
        Photos.TryGetValue(name, out var file) && Folder is { } folder && File.Exists(Path.Combine(folder, file));

    /// <summary>The path of the photo <paramref name="name"/>; throws naming what is missing and how to install it.</summary>
    public static string Find(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!Photos.TryGetValue(name.Trim(), out var file))
            throw new ArgumentException($"there is no sample photo '{name}'; the sample photos are {string.Join(", ", Photos.Keys)}");
        var folder = Folder ?? throw new FileNotFoundException(
            $"the sample photos are not installed: install Debian's python3-skimage (./build.sh does), or set CNNVIS_SAMPLE_PHOTOS to a folder holding {file}");
        var path = Path.Combine(folder, file);
        return File.Exists(path) ? path : throw new FileNotFoundException($"the sample photo '{name}' is not in {folder}: {file} is missing", path);
    }

    /// <summary><paramref name="pathOrSample"/> as a file path: <c>sample:NAME</c> becomes the photo's path, anything else is returned as it is.</summary>
    public static string Resolve(string pathOrSample)
    {
        ArgumentNullException.ThrowIfNull(pathOrSample);
        return pathOrSample.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) ? Find(pathOrSample[Prefix.Length..]) : pathOrSample;
    }
}
