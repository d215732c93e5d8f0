using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace CnnVis.Torch.Tests;

/// <summary>
/// Crafted .pt files, as an attacker would upload them: each used to crash the process, read heap memory,
/// exhaust memory or load damaged weights silently, and must now be refused with a message naming the file.
/// The ones that killed the process run in a child process (<see cref="LoadProbe"/>).
/// </summary>
public class UntrustedCheckpointTests
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(60);

    private static TorchException LoadFails(string path)
    {
        var e = Assert.Throws<TorchException>(() => torch.load(path));
        Assert.StartsWith(path + ": corrupt or unreadable .pt file: ", e.Message);
        return e;
    }

    [Fact]
    public void StorageOffsetNear2To62IsRefusedNotACrash()
    {
        // offset x 4 bytes wraps to -2^30: libtorch's bounds check passed and reading the view gave SIGSEGV.
        using var folder = Fixture.NewTempFolder();
        var path = folder.File("offset.pt");
        const long offset = (1L << 62) - (1L << 28);
        CraftedPtFile.WriteOneTensor(path, 4, offset, new long[] { 4 }, new long[] { 1 });
        var message = LoadProbe.Refused("state-dict", path, ProbeTimeout);
        Assert.Equal($"{path}: corrupt or unreadable .pt file: a tensor reads element {offset + 3} of a storage of 4 elements " +
                     $"(storage offset {offset})", message);
    }

    [Fact]
    public void StorageOffsetThatWrapsToInsideTheStorageIsRefused()
    {
        // (2^62 + 1) x 4 bytes wraps to 4: this loaded silently, its values read from the wrong place.
        using var folder = Fixture.NewTempFolder();
        var path = folder.File("wrap.pt");
        const long offset = (1L << 62) + 1;
        CraftedPtFile.WriteOneTensor(path, 4, offset, new long[] { 3 }, new long[] { 1 });
        var e = LoadFails(path);
        Assert.EndsWith($"a tensor reads element {offset + 2} of a storage of 4 elements (storage offset {offset})", e.Message);
    }

    [Theory]
    [InlineData(1L << 20, 1L << 20, 1L << 50, 1L, "a tensor's size, stride and storage offset overflow 64 bits (offset 0)")]
    [InlineData(1L << 32, 1L << 32, 0L, 0L, "a tensor's size overflows 64 bits")]
    [InlineData(2L, 3L, 2L, 1L, "a tensor reads element 4 of a storage of 4 elements (storage offset 0)")]
    public void SizeAndStrideProductsAreCheckedInElements(long rows, long cols, long rowStride, long colStride, string expected)
    {
        using var folder = Fixture.NewTempFolder();
        var path = folder.File("sizes.pt");
        CraftedPtFile.WriteOneTensor(path, 4, 0, new[] { rows, cols }, new[] { rowStride, colStride });
        Assert.EndsWith(expected, LoadFails(path).Message);
    }

    [Fact]
    public void ViewsInsideTheirStorageStillLoad()
    {
        // A transposed view ending on the storage's last element, and an empty view at its end.
        using var folder = Fixture.NewTempFolder();
        var path = folder.File("views.pt");
        CraftedPtFile.WriteOneTensor(path, 6, 0, new long[] { 3, 2 }, new long[] { 1, 3 });
        using (var scope = torch.NewDisposeScope())
            Assert.Equal(new float[] { 1, 4, 2, 5, 3, 6 }, torch.load(path)["w"].contiguous().data<float>());
        CraftedPtFile.WriteOneTensor(path, 6, 6, new long[] { 0 }, new long[] { 1 });
        using (var scope = torch.NewDisposeScope())
            Assert.Equal(0, torch.load(path)["w"].numel());
    }

    [Fact]
    public void TupleNested100000DeepIsRefusedNotAStackOverflow()
    {
        // 100 KB: EMPTY_TUPLE, then TUPLE1 100,000 times. Tearing the value down recursed once per level.
        using var folder = Fixture.NewTempFolder();
        var path = folder.File("deep.pt");
        var pickle = new CraftedPickle().EmptyTuple();
        for (var k = 0; k < 100_000; k++) pickle.Raw(0x85);
        CraftedPtFile.Write(path, pickle.Stop().ToArray());
        var message = LoadProbe.Refused("state-dict", path, ProbeTimeout);
        Assert.Equal($"{path}: corrupt or unreadable .pt file: the pickle nests containers more than 100 levels deep", message);
    }

    [Fact]
    public void NestingIsCappedAt100Levels()
    {
        using var folder = Fixture.NewTempFolder();
        var path = folder.File("nested.pt");
        var pickle = new CraftedPickle().Op(']');
        for (var k = 0; k < 150; k++) pickle.Raw(0x85);
        CraftedPtFile.Write(path, pickle.Stop().ToArray());
        Assert.EndsWith("the pickle nests containers more than 100 levels deep", LoadFails(path).Message);

        // 99 levels is within the cap: the file is refused only for not being a state dict.
        pickle = new CraftedPickle().EmptyTuple();
        for (var k = 0; k < 98; k++) pickle.Raw(0x85);
        CraftedPtFile.Write(path, pickle.Stop().ToArray());
        Assert.Equal($"{path}: not a state dict: the file holds a Tuple, expected a dict of names to tensors",
            Assert.Throws<TorchException>(() => torch.load(path)).Message);
    }

    [Fact]
    public void AContainerCannotChangeAfterItIsNested()
    {
        // Appending to a list already inside a tuple could deepen it unseen (10^5 levels, one list at a time).
        using var folder = Fixture.NewTempFolder();
        var path = folder.File("mutated.pt");
        var pickle = new CraftedPickle().Op(']').LongBinPut(0).Raw(0x85).LongBinGet(0).Op(']').Op('a').Op('0').Stop();
        CraftedPtFile.Write(path, pickle.ToArray());
        Assert.EndsWith("the pickle changes a container after putting it inside another", LoadFails(path).Message);
    }

    [Fact]
    public void MemoBombIsBoundedByTheFileSize()
    {
        // LONG_BINPUTs whose ids climb by a million each: 140 of them (942 bytes) made a table of 140 million
        // entries (3.2 GB, 26 s); these 400 (2 KB) would need 9.6 GB. Now the memo holds only what was stored,
        // so this is just a list. In a child process: before the fix it ran out of memory or time.
        using var folder = Fixture.NewTempFolder();
        var path = folder.File("memo-bomb.pt");
        var pickle = new CraftedPickle().Op(']');
        for (uint k = 1; k <= 400; k++) pickle.LongBinPut(k * 1_000_000 - 1);
        CraftedPtFile.Write(path, pickle.Stop().ToArray());
        Assert.True(new FileInfo(path).Length < 2500);
        var message = LoadProbe.Refused("state-dict", path, ProbeTimeout);
        Assert.Equal($"{path}: not a state dict: the file holds a GenericList, expected a dict of names to tensors", message);
    }

    [Fact]
    public void AMemoEntryCanBeStoredUnderAnyId()
    {
        // Ids need not be dense: a real state dict with its dict memoized under id 4,000,000,000 loads.
        using var folder = Fixture.NewTempFolder();
        var path = folder.File("sparse-memo.pt");
        var pickle = new CraftedPickle().OrderedDict().LongBinPut(4_000_000_000).Str("w")
            .FloatTensor("0", 2, 0, new long[] { 2 }, new long[] { 1 }).SetItem().Op('0').LongBinGet(4_000_000_000).Stop();
        var floats = new byte[8];
        BinaryPrimitives.WriteSingleLittleEndian(floats, 1.5f);
        BinaryPrimitives.WriteSingleLittleEndian(floats.AsSpan(4), -2f);
        CraftedPtFile.Write(path, pickle.ToArray(), new Dictionary<string, byte[]> { ["0"] = floats });
        using var scope = torch.NewDisposeScope();
        Assert.Equal(new[] { 1.5f, -2f }, torch.load(path)["w"].data<float>());
    }

    [Fact]
    public void ReusingAHugeKeyOverAndOverIsRefused()
    {
        // A 64 KB key memoized once and set 50,000 times: 3.2 GB of hashing from a 464 KB file.
        using var folder = Fixture.NewTempFolder();
        var path = folder.File("work-bomb.pt");
        var pickle = new CraftedPickle().Op('}').Str(new string('k', 65536)).LongBinPut(1).Op('0');
        for (var k = 0; k < 50_000; k++) pickle.LongBinGet(1).Raw((byte)'K', 1).SetItem();
        CraftedPtFile.Write(path, pickle.Stop().ToArray());
        Assert.EndsWith("the pickle does far more work than a file of its size needs (a crafted file?)", LoadFails(path).Message);
    }

    /// <summary>The PyTorch fixture rewritten with every entry deflate-compressed (torch.save stores them).</summary>
    private static string Deflated(Fixture.TempFolder folder)
    {
        var path = folder.File("deflated.pt");
        using var source = ZipFile.OpenRead(Fixture.Path("pytorch_state_dict.pt"));
        using var target = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var entry in source.Entries)
        {
            using var from = entry.Open();
            using var to = target.CreateEntry(entry.FullName, CompressionLevel.SmallestSize).Open();
            from.CopyTo(to);
        }
        return path;
    }

    [Fact]
    public void DeflatedEntriesLoadAndTheirCrcIsChecked()
    {
        using var folder = Fixture.NewTempFolder();
        var path = Deflated(folder);
        using (var scope = torch.NewDisposeScope())
        {
            var expected = torch.load(Fixture.Path("pytorch_state_dict.pt"));
            var loaded = torch.load(path);
            Assert.Equal(expected.Keys, loaded.Keys);
            foreach (var (name, t) in expected) Assert.Equal(t.to(ScalarType.Float64).data<double>(), loaded[name].to(ScalarType.Float64).data<double>());
        }

        // Flip one bit at each of 40 places in data/0's compressed bytes: every one must be refused
        // (38 of 40 loaded silently when only stored entries had their CRC checked).
        var bytes = File.ReadAllBytes(path);
        var (start, length) = LocalEntryData(bytes, "pytorch_state_dict/data/0");
        var flippedPath = folder.File("flipped.pt");
        for (var k = 0; k < 40; k++)
        {
            var flipped = (byte[])bytes.Clone();
            flipped[start + (int)((long)k * length / 40)] ^= (byte)(1 << (k % 8));
            File.WriteAllBytes(flippedPath, flipped);
            var e = LoadFails(flippedPath);
            Assert.Contains("pytorch_state_dict/data/0", e.Message);
            Assert.Contains("damaged", e.Message);
        }
    }

    [Theory]
    [InlineData(12, "bzip2")]
    [InlineData(14, "LZMA")]
    [InlineData(93, "Zstandard")]
    [InlineData(7, "unknown")]
    public void UnsupportedCompressionMethodsAreRefusedByName(ushort method, string name)
    {
        using var folder = Fixture.NewTempFolder();
        var path = Deflated(folder);
        var bytes = File.ReadAllBytes(path);
        SetMethod(bytes, "pytorch_state_dict/data/1", method);
        File.WriteAllBytes(path, bytes);
        Assert.EndsWith($"the zip entry pytorch_state_dict/data/1 uses compression method {method} ({name}); " +
                        "only stored and deflate entries are supported", LoadFails(path).Message);
    }

    [Fact]
    public void ArchivesLibtorchsReaderWouldThrowOnAreRefusedFirst()
    {
        // libtorch's reader throws from its constructor on these, and then leaks its zip state (found by the fuzzer).
        using var folder = Fixture.NewTempFolder();
        var pickle = CraftedPickle.OneTensor(1, 0, new long[] { 1 }, new long[] { 1 });
        var path = folder.File("layout.pt");

        void Write(params (string Name, byte[] Bytes)[] entries)
        {
            using var file = File.Create(path);
            using var zip = new ZipArchive(file, ZipArchiveMode.Create);
            foreach (var (name, bytes) in entries)
            {
                using var s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
                s.Write(bytes);
            }
        }

        var storage = new byte[4];
        Write(("archive/data.pkl", pickle), ("archive/data/0", storage));
        Assert.EndsWith("the archive has no version record", LoadFails(path).Message);
        Write(("archive/data.pkl", pickle), ("archive/data/0", storage), ("archive/version", "99\n"u8.ToArray()));
        Assert.EndsWith("the archive's format version 99 is not supported (1 to 10 are)", LoadFails(path).Message);
        Write(("archive/data.pkl", pickle), ("archive/data/0", storage), ("archive/version", "three"u8.ToArray()));
        Assert.EndsWith("the archive's version record is not a number", LoadFails(path).Message);
        Write(("data.pkl", pickle), ("archive/data/0", storage), ("archive/version", "3\n"u8.ToArray()));
        Assert.EndsWith("the archive's first file, data.pkl, is not in a folder", LoadFails(path).Message);
        Write(("archive/data.pkl", pickle), ("archive/data/0", storage), ("archive/version", "3\n"u8.ToArray()),
            ("archive/DATA/0", storage));
        Assert.EndsWith("the archive holds two entries named archive/DATA/0", LoadFails(path).Message);

        // The same archive with its version record loads.
        Write(("archive/data.pkl", pickle), ("archive/data/0", storage), ("archive/version", "3\n"u8.ToArray()));
        using var scope = torch.NewDisposeScope();
        Assert.Equal(new long[] { 1 }, torch.load(path)["w"].shape);
    }

    [Theory]
    [InlineData(0x01, "is encrypted")]
    [InlineData(0x40, "is encrypted")]
    [InlineData(0x20, "is a compressed patch")]
    public void EncryptedOrPatchEntriesAreRefused(ushort flag, string what)
    {
        // On the version record, libtorch's reader threw from its constructor and leaked (found by the fuzzer).
        using var folder = Fixture.NewTempFolder();
        var path = folder.File("flags.pt");
        File.Copy(Fixture.Path("pytorch_state_dict.pt"), path);
        var bytes = File.ReadAllBytes(path);
        var at = CentralEntry(bytes, "pytorch_state_dict/version");
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(at + 8), (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at + 8)) | flag));
        File.WriteAllBytes(path, bytes);
        Assert.EndsWith($"the zip entry pytorch_state_dict/version {what}", LoadFails(path).Message);
    }

    [Fact]
    public void AFileOver2GiBIsRefusedBeforeItIsRead()
    {
        using var folder = Fixture.NewTempFolder();
        var path = folder.File("huge.pt");
        // Sparse: 3 GB that takes no disk.
        using (var f = File.Create(path)) f.SetLength(3L << 30);
        var e = Assert.Throws<TorchException>(() => torch.load(path));
        Assert.Equal($"{path}: the file is {3L << 30} bytes, more than the limit of {2L << 30} bytes", e.Message);
        // The limit is the caller's to set.
        var small = folder.File("small.pt");
        File.Copy(Fixture.Path("pytorch_state_dict.pt"), small);
        var limited = Assert.Throws<TorchException>(() => torch.load(small, maxBytes: 1000));
        Assert.StartsWith($"{small}: the file is {new FileInfo(small).Length} bytes, more than the limit of 1000 bytes", limited.Message);
    }

    [Fact]
    public void EndlessStreamsAreRefusedByName()
    {
        var zero = Assert.Throws<TorchException>(() => RunWithin(() => torch.load("/dev/zero")));
        Assert.Equal("/dev/zero: not a regular file (a device, FIFO or socket), so its size is unknown", zero.Message);

        using var folder = Fixture.NewTempFolder();
        var fifo = folder.File("fifo.pt");
        MakeFifo(fifo);
        // Nobody writes to the FIFO: reading it would wait forever.
        var e = Assert.Throws<TorchException>(() => RunWithin(() => torch.load(fifo)));
        Assert.Equal($"{fifo}: not a regular file (a device, FIFO or socket), so its size is unknown", e.Message);
    }

    internal static void MakeFifo(string path)
    {
        using var mkfifo = System.Diagnostics.Process.Start("mkfifo", new[] { path })!;
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }

    /// <summary>Runs a load that used to hang or read for long on a worker, failing the test if it does not finish in 20 s.</summary>
    internal static void RunWithin(Action load)
    {
        var task = Task.Run(load);
        if (!((IAsyncResult)task).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(20))) Assert.Fail("the load did not finish within 20 s");
        task.GetAwaiter().GetResult();
    }

    /// <summary>Where a zip entry's bytes start (after its local header, name and extra field) and how many there are.</summary>
    private static (int Start, int Length) LocalEntryData(byte[] zip, string name)
    {
        var at = CentralEntry(zip, name);
        var compressed = (int)BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(at + 20));
        var local = (int)BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(at + 42));
        var start = local + 30 + BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(local + 26)) +
                    BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(local + 28));
        return (start, compressed);
    }

    /// <summary>Changes an entry's compression method in both its central directory record and its local header.</summary>
    private static void SetMethod(byte[] zip, string name, ushort method)
    {
        var at = CentralEntry(zip, name);
        var local = (int)BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(at + 42));
        BinaryPrimitives.WriteUInt16LittleEndian(zip.AsSpan(at + 10), method);
        BinaryPrimitives.WriteUInt16LittleEndian(zip.AsSpan(local + 8), method);
    }

    private static int CentralEntry(byte[] zip, string name)
    {
        var wanted = Encoding.ASCII.GetBytes(name);
        for (var k = 0; k + 46 <= zip.Length; k++)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(k)) != 0x02014b50) continue;
            var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(k + 28));
            if (zip.AsSpan(k + 46, nameLength).SequenceEqual(wanted)) return k;
        }
        throw new InvalidOperationException($"no zip entry {name}");
    }
}
