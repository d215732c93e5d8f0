using System.IO.Compression;

namespace CnnVis.Torch.Tests;

/// <summary>Broken, empty, truncated and unexpected .pt and image files: typed errors that name the file and the problem.</summary>
public class BadFileTests
{
    private static string PyTorchStateDict => Fixture.Path("pytorch_state_dict.pt");

    private static TorchException LoadFails(string path)
    {
        var e = Assert.Throws<TorchException>(() => torch.load(path));
        Assert.StartsWith(path + ": ", e.Message);
        return e;
    }

    /// <summary>The PyTorch state dict with its zip entries changed: entries are named archive-relative ("data.pkl", "data/0").</summary>
    private static string Rewritten(Fixture.TempFolder folder, string name, Action<ZipArchive, string> change)
    {
        var path = folder.File(name);
        File.Copy(PyTorchStateDict, path);
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
        {
            var prefix = zip.Entries[0].FullName.Split('/')[0] + "/";
            change(zip, prefix);
        }
        return path;
    }

    private static void Replace(ZipArchive zip, string entryName, byte[] content)
    {
        zip.GetEntry(entryName)?.Delete();
        var entry = zip.CreateEntry(entryName, CompressionLevel.NoCompression);
        using var s = entry.Open();
        s.Write(content);
    }

    [Fact]
    public void EmptyPtFile()
    {
        using var folder = Fixture.NewTempFolder();
        var path = folder.File("empty.pt");
        File.WriteAllBytes(path, Array.Empty<byte>());
        Assert.Contains("the file is empty", LoadFails(path).Message);
        Assert.Contains("the file is empty", Assert.Throws<TorchException>(() => torch.load(ReadOnlySpan<byte>.Empty)).Message);
    }

    [Fact]
    public void MissingPtFile()
    {
        var path = Path.Combine(Path.GetTempPath(), "cnnvis-no-such-file-" + Guid.NewGuid().ToString("N") + ".pt");
        var e = Assert.Throws<FileNotFoundException>(() => torch.load(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void FileThatIsNotAZip()
    {
        var e = LoadFails(Fixture.Path("quadrants.jpg"));
        Assert.Contains("not a PyTorch .pt file", e.Message);
        Assert.Contains("zip header", e.Message);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(0.99)]
    public void TruncatedPtFile(double keep)
    {
        using var folder = Fixture.NewTempFolder();
        var bytes = File.ReadAllBytes(PyTorchStateDict);
        var path = folder.File("truncated.pt");
        File.WriteAllBytes(path, bytes.AsSpan(0, (int)(bytes.Length * keep)).ToArray());
        Assert.Contains("corrupt or unreadable .pt file", LoadFails(path).Message);
    }

    [Fact]
    public void CorruptBytesInsideAPtFile()
    {
        using var folder = Fixture.NewTempFolder();
        var bytes = File.ReadAllBytes(PyTorchStateDict);
        // Overwrite a stretch in the middle: stored tensor data, whose CRC then fails.
        for (var k = bytes.Length / 2; k < bytes.Length / 2 + 64; k++) bytes[k] ^= 0x5A;
        var path = folder.File("corrupt.pt");
        File.WriteAllBytes(path, bytes);
        Assert.Contains("corrupt or unreadable .pt file", LoadFails(path).Message);

        // One flipped bit inside the stored weights of 0.weight (record data/0) is caught by its CRC-32.
        var flipped = File.ReadAllBytes(PyTorchStateDict);
        var start = LocalEntryDataStart(flipped, "pytorch_state_dict/data/0");
        flipped[start + 5] ^= 0x01;
        var flippedPath = folder.File("flipped.pt");
        File.WriteAllBytes(flippedPath, flipped);
        Assert.Contains("the data of pytorch_state_dict/data/0 is damaged (CRC-32 mismatch)", LoadFails(flippedPath).Message);

        var headerOnly = folder.File("header-only.pt");
        File.WriteAllBytes(headerOnly, "PK\x03\x04\0\0\0\0"u8.ToArray());
        Assert.Contains("the zip directory is missing", LoadFails(headerOnly).Message);

        var garbage = new byte[512];
        new Random(5).NextBytes(garbage);
        "PK\x03\x04"u8.CopyTo(garbage);
        var garbagePath = folder.File("garbage.pt");
        File.WriteAllBytes(garbagePath, garbage);
        Assert.Contains("corrupt or unreadable .pt file", LoadFails(garbagePath).Message);
    }

    /// <summary>Where a zip entry's bytes start: after its local header (30 bytes), name and extra field.</summary>
    private static int LocalEntryDataStart(byte[] zip, string name)
    {
        var nameBytes = System.Text.Encoding.ASCII.GetBytes(name);
        for (var k = 0; k + 30 + nameBytes.Length <= zip.Length; k++)
        {
            if (zip[k] != 'P' || zip[k + 1] != 'K' || zip[k + 2] != 3 || zip[k + 3] != 4) continue;
            var nameLength = BitConverter.ToUInt16(zip, k + 26);
            var extraLength = BitConverter.ToUInt16(zip, k + 28);
            if (zip.AsSpan(k + 30, nameLength).SequenceEqual(nameBytes)) return k + 30 + nameLength + extraLength;
        }
        throw new InvalidOperationException($"no zip entry {name}");
    }

    [Fact]
    public void PickleThatIsGarbageOrCutShort()
    {
        using var folder = Fixture.NewTempFolder();
        var garbage = Rewritten(folder, "garbage-pickle.pt", (zip, prefix) => Replace(zip, prefix + "data.pkl", "\x80\x02not a pickle"u8.ToArray()));
        Assert.Contains("unsupported pickle opcode", LoadFails(garbage).Message);

        var cut = Rewritten(folder, "cut-pickle.pt", (zip, prefix) =>
        {
            byte[] pickle;
            using (var s = zip.GetEntry(prefix + "data.pkl")!.Open())
            using (var m = new MemoryStream())
            {
                s.CopyTo(m);
                pickle = m.ToArray();
            }
            Replace(zip, prefix + "data.pkl", pickle.AsSpan(0, pickle.Length / 2).ToArray());
        });
        Assert.Contains("the pickle is truncated", LoadFails(cut).Message);

        var noPickle = Rewritten(folder, "no-pickle.pt", (zip, prefix) => zip.GetEntry(prefix + "data.pkl")!.Delete());
        Assert.Contains("data.pkl", LoadFails(noPickle).Message);
    }

    [Fact]
    public void TensorDataMissingOrShort()
    {
        using var folder = Fixture.NewTempFolder();
        // Storage "0" holds 0.weight: 4x3x3x3 floats.
        var missing = Rewritten(folder, "missing-data.pt", (zip, prefix) => zip.GetEntry(prefix + "data/0")!.Delete());
        Assert.Contains("the archive has no data/0", LoadFails(missing).Message);
        var shortData = Rewritten(folder, "short-data.pt", (zip, prefix) => Replace(zip, prefix + "data/0", new byte[10]));
        Assert.Contains("data/0 holds 10 bytes but its tensor needs 432", LoadFails(shortData).Message);
    }

    [Fact]
    public void PtFilesThatAreNotStateDicts()
    {
        Assert.Contains("not a state dict: the file holds a GenericList", LoadFails(Fixture.Path("not_a_state_dict_list.pt")).Message);
        var e = LoadFails(Fixture.Path("not_a_state_dict_int_value.pt"));
        Assert.Contains("not a state dict: entry 'a' is a Int, not a tensor", e.Message);
        // A pickle naming a function is refused before anything could call it.
        var f = LoadFails(Fixture.Path("names_a_function.pt"));
        Assert.Contains("not a state dict: the file holds a __builtin__.print object", f.Message);
    }

    [Fact]
    public void SaveIntoAMissingFolder()
    {
        using var t = torch.ones(new long[] { 1 });
        var path = Path.Combine(Path.GetTempPath(), "cnnvis-no-such-folder-" + Guid.NewGuid().ToString("N"), "x.pt");
        var e = Assert.Throws<DirectoryNotFoundException>(() => torch.save(new Dictionary<string, Tensor> { ["t"] = t }, path));
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void EmptyAndCorruptImages()
    {
        using var folder = Fixture.NewTempFolder();
        var empty = Assert.Throws<TorchException>(() => torchvision.io.decode_image(ReadOnlySpan<byte>.Empty));
        Assert.Contains("the image is empty", empty.Message);
        var emptyPath = folder.File("empty.png");
        File.WriteAllBytes(emptyPath, Array.Empty<byte>());
        var emptyFile = Assert.Throws<TorchException>(() => torchvision.io.read_image(emptyPath));
        Assert.StartsWith(emptyPath + ": ", emptyFile.Message);
        Assert.Contains("the image is empty", emptyFile.Message);

        var noise = new byte[300];
        new Random(3).NextBytes(noise);
        var corrupt = Assert.Throws<TorchException>(() => torchvision.io.decode_image(noise));
        Assert.Contains("cannot decode image", corrupt.Message);

        // A real PNG cut in half.
        using var image = torch.zeros(new long[] { 16, 16, 3 }, ScalarType.Byte);
        var png = torchvision.io.encode_png(image);
        var halfPath = folder.File("half.png");
        File.WriteAllBytes(halfPath, png.AsSpan(0, png.Length / 2).ToArray());
        var half = Assert.Throws<TorchException>(() => torchvision.io.read_image(halfPath));
        Assert.StartsWith(halfPath + ": cannot decode image", half.Message);

        var jpeg = File.ReadAllBytes(Fixture.Path("quadrants.jpg"));
        var cutJpeg = Assert.Throws<TorchException>(() => torchvision.io.decode_image(jpeg.AsSpan(0, 100)));
        Assert.Contains("cannot decode image", cutJpeg.Message);

        Assert.Throws<FileNotFoundException>(() => torchvision.io.read_image(folder.File("missing.png")));
        var channels = Assert.Throws<TorchException>(() => torchvision.io.decode_image(png, channels: 7));
        Assert.Contains("channels must be", channels.Message);
    }

    [Fact]
    public void ImagesThatCannotBeEncoded()
    {
        using var scope = torch.NewDisposeScope();
        var asFloat = Assert.Throws<TorchException>(() => torchvision.io.encode_png(torch.zeros(new long[] { 2, 2, 3 })));
        Assert.Contains("needs a uint8 tensor, got Float", asFloat.Message);
        var fourD = Assert.Throws<TorchException>(() => torchvision.io.encode_png(torch.zeros(new long[] { 1, 2, 2, 3 }, ScalarType.Byte)));
        Assert.Contains("got 4 dimensions", fourD.Message);
        var fiveChannels = Assert.Throws<TorchException>(() => torchvision.io.encode_png(torch.zeros(new long[] { 2, 2, 5 }, ScalarType.Byte)));
        Assert.Contains("got 5", fiveChannels.Message);
        var emptyImage = Assert.Throws<TorchException>(() => torchvision.io.encode_png(torch.zeros(new long[] { 0, 2, 3 }, ScalarType.Byte)));
        Assert.Contains("non-empty", emptyImage.Message);
    }
}
