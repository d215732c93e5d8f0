namespace CnnVis.Torch.Tests;

/// <summary>
/// Loading the native library leaves glibc's allocator as it is; keeping freed memory is asked for explicitly
/// (the trainer does), can be turned off by environment variable, and is reported once. Serial: the setting and the
/// environment variable are process-wide, and no other test in this assembly asks for it.
/// </summary>
[Collection(SerialCollection.Name)]
public class AllocatorSettingTests
{
    [Fact]
    public void KeepingFreedMemoryIsAskedForOptOutAndReportedOnce()
    {
        using (var scope = torch.NewDisposeScope())
        {
            // The library is loaded and has worked: glibc's settings are still its own.
            _ = (torch.ones(new long[] { 256, 256 }) * 2).sum().item<float>();
        }
        Assert.False(torch.keeps_freed_memory());

        var log = new StringWriter();
        Environment.SetEnvironmentVariable(torch.ReturnFreedMemoryVariable, "1");
        try
        {
            Assert.False(torch.keep_freed_memory(log));
            Assert.False(torch.keeps_freed_memory());
        }
        finally
        {
            Environment.SetEnvironmentVariable(torch.ReturnFreedMemoryVariable, null);
        }
        Assert.Equal($"cnnvis: {torch.ReturnFreedMemoryVariable}=1: glibc returns freed memory to the system (its default; training is slower)",
            log.ToString().TrimEnd());

        Assert.True(torch.keep_freed_memory(log));
        Assert.True(torch.keeps_freed_memory());
        // Said once per process, not once per call.
        Assert.Single(log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
