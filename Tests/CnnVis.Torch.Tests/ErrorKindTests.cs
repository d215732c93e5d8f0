namespace CnnVis.Torch.Tests;

/// <summary>What the caller can fix (a refused input) and what it cannot (memory, a defect) are told apart by type.</summary>
public class ErrorKindTests
{
    [Fact]
    public void AnAllocationBeyondTheMachineIsOutOfMemoryNotABadInput()
    {
        // 2^50 floats: 4 PiB, more than any address space the allocator can reserve.
        var e = Assert.Throws<TorchOutOfMemoryException>(() => torch.empty(new long[] { 1L << 50 }));
        Assert.Contains("can't allocate memory: you tried to allocate 4503599627370496 bytes", e.Message);
    }

    [Fact]
    public void ARefusedInputIsAPlainTorchException()
    {
        using var a = torch.zeros(new long[] { 2, 3 });
        using var b = torch.zeros(new long[] { 4, 5 });
        var e = Assert.Throws<TorchException>(() => a.matmul(b));
        Assert.Equal(typeof(TorchException), e.GetType());
    }

    [Fact]
    public void AFileNameAddedToAnErrorKeepsItsKind()
    {
        // A PNG signature and nothing more: refused as a bad file, with the file's name in front.
        var path = Path.Combine(Path.GetTempPath(), $"cnnvis-huge-{Guid.NewGuid():N}.png");
        File.WriteAllBytes(path, [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        try
        {
            var e = Assert.Throws<TorchException>(() => torchvision.io.read_image(path));
            Assert.StartsWith(path + ": ", e.Message);
            Assert.IsType<TorchException>(e.InnerException);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
