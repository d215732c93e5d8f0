using CnnVis.Training.Data;

namespace CnnVis.Training.Tests.Data;

/// <summary>Small in-memory datasets whose every pixel a test can predict.</summary>
public static class TestDatasets
{
    /// <summary>
    /// <paramref name="count"/> images of C×H×W where pixel k of image i is ((i * 31 + k) mod 256) / 255 and
    /// label is i mod 5; masks are 1 where channel 0 is above one half.
    /// </summary>
    public static InMemoryDataset Numbered(int count, int channels = 1, int height = 4, int width = 4, Normalization? normalization = null)
    {
        var length = channels * height * width;
        var images = new float[count * length];
        var masks = new float[count * height * width];
        for (var i = 0; i < count; i++)
        {
            for (var k = 0; k < length; k++) images[i * length + k] = (i * 31 + k) % 256 / 255f;
            for (var p = 0; p < height * width; p++) masks[i * height * width + p] = images[i * length + p] > 0.5f ? 1f : 0f;
        }
        var labels = Enumerable.Range(0, count).Select(i => i % 5).ToArray();
        return new InMemoryDataset("numbered", images, labels, channels, height, width, new[] { "a", "b", "c", "d", "e" }, normalization, masks);
    }
}
