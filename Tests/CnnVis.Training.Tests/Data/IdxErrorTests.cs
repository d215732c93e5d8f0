using CnnVis.Training.Data;

namespace CnnVis.Training.Tests.Data;

/// <summary>A missing, truncated or corrupt idx file gets an error naming the file and what is wrong.</summary>
public sealed class IdxErrorTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string ImagesPath => Path.Combine(_dir.Path, "train-images-idx3-ubyte.gz");
    private string LabelsPath => Path.Combine(_dir.Path, "train-labels-idx1-ubyte.gz");

    [Fact]
    public void SmallValidFilesLoad()
    {
        IdxFiles.WriteSplit(_dir.Path, "train", 5);
        var data = new FashionMnist(train: true, directory: _dir.Path);
        Assert.Equal(5, data.Count);
        Assert.Equal(3, data.Label(3));
        Assert.Equal(7 / 255f, data.GetImage(0)[1]);
    }

    [Fact]
    public void UncompressedFilesLoadToo()
    {
        File.WriteAllBytes(Path.Combine(_dir.Path, "t10k-images-idx3-ubyte"), IdxFiles.Content(new[] { 2, 28, 28 }, new byte[2 * 784]));
        File.WriteAllBytes(Path.Combine(_dir.Path, "t10k-labels-idx1-ubyte"), IdxFiles.Content(new[] { 2 }, new byte[] { 4, 5 }));
        var data = new FashionMnist(train: false, directory: _dir.Path);
        Assert.Equal(new[] { 4, 5 }, new[] { data.Label(0), data.Label(1) });
    }

    [Fact]
    public void MissingFileIsNamed()
    {
        var e = Assert.Throws<FileNotFoundException>(() => new FashionMnist(train: true, directory: _dir.Path));
        Assert.Contains("train-images-idx3-ubyte.gz", e.Message);
        Assert.Contains("no such file", e.Message);
    }

    [Fact]
    public void MissingDirectoryIsNamed()
    {
        var missing = Path.Combine(_dir.Path, "nowhere");
        var e = Assert.Throws<DirectoryNotFoundException>(() => new FashionMnist(train: true, directory: missing));
        Assert.Contains(missing, e.Message);
    }

    [Fact]
    public void TruncatedDataSaysHowManyBytesWereExpected()
    {
        // The header of the real training file, and the first 1184 bytes of its images only.
        File.WriteAllBytes(ImagesPath, IdxFiles.Gzip(IdxFiles.Content(new[] { 60_000, 28, 28 }, new byte[1184])));
        File.WriteAllBytes(LabelsPath, IdxFiles.Gzip(IdxFiles.Content(new[] { 60_000 }, new byte[60_000])));
        var e = Assert.Throws<InvalidDataException>(() => new FashionMnist(train: true, directory: _dir.Path));
        Assert.Equal("train-images-idx3-ubyte.gz: expected 47040016 bytes, got 1200", e.Message);
    }

    [Fact]
    public void TrailingBytesAreAnErrorToo()
    {
        File.WriteAllBytes(LabelsPath, IdxFiles.Gzip(IdxFiles.Content(new[] { 3 }, new byte[] { 1, 2, 3, 4, 5 })));
        IdxFiles.WriteSplit(_dir.Path, "t10k", 1);
        File.Copy(Path.Combine(_dir.Path, "t10k-images-idx3-ubyte.gz"), ImagesPath);
        var e = Assert.Throws<InvalidDataException>(() => new FashionMnist(train: true, directory: _dir.Path));
        Assert.Equal("train-labels-idx1-ubyte.gz: expected 11 bytes, got 13", e.Message);
    }

    [Fact]
    public void ShortHeaderIsReported()
    {
        IdxFiles.WriteSplit(_dir.Path, "train", 1);
        File.WriteAllBytes(ImagesPath, IdxFiles.Gzip(new byte[] { 0, 0, 8, 3, 0, 0 }));
        var e = Assert.Throws<InvalidDataException>(() => new FashionMnist(train: true, directory: _dir.Path));
        Assert.Equal("train-images-idx3-ubyte.gz: expected a 16-byte idx header, got 6 bytes", e.Message);
    }

    [Fact]
    public void BadMagicNumberIsReported()
    {
        // A labels file (idx1) where the images file (idx3) should be.
        IdxFiles.WriteSplit(_dir.Path, "train", 1);
        File.WriteAllBytes(ImagesPath, IdxFiles.Gzip(IdxFiles.Content(new[] { 1, 28, 28 }, new byte[784], magic: 0x00000801)));
        var e = Assert.Throws<InvalidDataException>(() => new FashionMnist(train: true, directory: _dir.Path));
        Assert.StartsWith("train-images-idx3-ubyte.gz: bad magic number 0x00000801, expected 0x00000803", e.Message);
    }

    [Fact]
    public void NotGzipIsReported()
    {
        IdxFiles.WriteSplit(_dir.Path, "train", 2);
        File.WriteAllText(ImagesPath, "<html>404 Not Found</html>");
        var e = Assert.Throws<InvalidDataException>(() => new FashionMnist(train: true, directory: _dir.Path));
        Assert.StartsWith("train-images-idx3-ubyte.gz: not a gzip file", e.Message);
    }

    [Fact]
    public void EmptyFileIsReported()
    {
        IdxFiles.WriteSplit(_dir.Path, "train", 1);
        File.WriteAllBytes(ImagesPath, Array.Empty<byte>());
        var e = Assert.Throws<InvalidDataException>(() => new FashionMnist(train: true, directory: _dir.Path));
        Assert.Equal("train-images-idx3-ubyte.gz: the file is empty, not gzip data", e.Message);
    }

    [Fact]
    public void CorruptCompressedDataIsReported()
    {
        IdxFiles.WriteSplit(_dir.Path, "train", 20);
        var bytes = File.ReadAllBytes(ImagesPath);
        // Scribble over the compressed blocks, keeping the gzip header intact.
        for (var i = 12; i < bytes.Length - 8; i += 3) bytes[i] ^= 0x5A;
        File.WriteAllBytes(ImagesPath, bytes);
        var e = Assert.Throws<InvalidDataException>(() => new FashionMnist(train: true, directory: _dir.Path));
        Assert.StartsWith("train-images-idx3-ubyte.gz: ", e.Message);
    }

    [Fact]
    public void WrongChecksumIsReported()
    {
        IdxFiles.WriteSplit(_dir.Path, "train", 20);
        var bytes = File.ReadAllBytes(ImagesPath);
        bytes[^8] ^= 0xFF; // the CRC-32 of the gzip trailer
        File.WriteAllBytes(ImagesPath, bytes);
        var e = Assert.Throws<InvalidDataException>(() => new FashionMnist(train: true, directory: _dir.Path));
        Assert.StartsWith("train-images-idx3-ubyte.gz: corrupt gzip data (", e.Message);
    }

    [Fact]
    public void CutShortCompressedFileIsReported()
    {
        IdxFiles.WriteSplit(_dir.Path, "train", 50);
        var bytes = File.ReadAllBytes(ImagesPath);
        File.WriteAllBytes(ImagesPath, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<InvalidDataException>(() => new FashionMnist(train: true, directory: _dir.Path));
        Assert.StartsWith("train-images-idx3-ubyte.gz: ", e.Message);
    }

    [Fact]
    public void LabelAndImageCountsMustAgree()
    {
        IdxFiles.WriteSplit(_dir.Path, "train", 6);
        File.WriteAllBytes(LabelsPath, IdxFiles.Gzip(IdxFiles.Content(new[] { 5 }, new byte[5])));
        var e = Assert.Throws<InvalidDataException>(() => new FashionMnist(train: true, directory: _dir.Path));
        Assert.Equal("train-labels-idx1-ubyte.gz holds 5 labels but train-images-idx3-ubyte.gz holds 6 images", e.Message);
    }

    [Fact]
    public void LabelOutsideTheClassesIsReported()
    {
        IdxFiles.WriteSplit(_dir.Path, "train", 4, label: i => i == 2 ? (byte)12 : (byte)0);
        var e = Assert.Throws<InvalidDataException>(() => new FashionMnist(train: true, directory: _dir.Path));
        Assert.Equal("train-labels-idx1-ubyte.gz: label 12 of image 2 is not a class (0 to 9)", e.Message);
    }
}
