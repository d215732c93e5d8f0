using System.IO.Compression;

namespace CnnVis.Torch.Tests;

/// <summary>Packs a crafted pickle and its storages into a .pt archive laid out as torch.save lays it out.</summary>
internal static class CraftedPtFile
{
    public static void Write(string path, byte[] pickle, IReadOnlyDictionary<string, byte[]>? storages = null,
        CompressionLevel level = CompressionLevel.NoCompression)
    {
        using var file = File.Create(path);
        using var zip = new ZipArchive(file, ZipArchiveMode.Create);
        Add(zip, "archive/data.pkl", pickle, level);
        foreach (var (key, bytes) in storages ?? new Dictionary<string, byte[]>()) Add(zip, "archive/data/" + key, bytes, level);
        Add(zip, "archive/version", "3\n"u8.ToArray(), level);
    }

    /// <summary>A .pt file of one float tensor "w" over a storage of <paramref name="numel"/> floats (values 1, 2, 3...).</summary>
    public static void WriteOneTensor(string path, long numel, long offset, long[] size, long[] stride)
    {
        var floats = new float[numel];
        for (var k = 0; k < numel; k++) floats[k] = k + 1;
        var bytes = new byte[numel * 4];
        Buffer.BlockCopy(floats, 0, bytes, 0, bytes.Length);
        Write(path, CraftedPickle.OneTensor(numel, offset, size, stride), new Dictionary<string, byte[]> { ["0"] = bytes });
    }

    private static void Add(ZipArchive zip, string name, byte[] bytes, CompressionLevel level)
    {
        using var s = zip.CreateEntry(name, level).Open();
        s.Write(bytes);
    }
}
