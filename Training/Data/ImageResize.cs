using System.Runtime.CompilerServices;

namespace CnnVis.Training.Data;

/// <summary>
/// Resizes decoded images (bytes laid out H×W×C) to C×H×W bytes with a triangle filter that widens
/// when shrinking, as PIL's and torchvision's antialiased bilinear resize: plain bilinear when
/// enlarging, an average over every source pixel that falls in an output pixel when shrinking (plain
/// bilinear there would skip pixels and alias a photo's fine detail).
/// </summary>
internal static class ImageResize
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static byte[] ToChw(ReadOnlySpan<byte> hwc, int inHeight, int inWidth, int channels, int outHeight, int outWidth)
    {
        if (hwc.Length != inHeight * inWidth * channels)
            throw new ArgumentException($"a {inHeight}×{inWidth}×{channels} image has {inHeight * inWidth * channels} bytes, got {hwc.Length}");
        var result = new byte[channels * outHeight * outWidth];
        var columns = Weights(inWidth, outWidth);
        var rows = Weights(inHeight, outHeight);

        // Horizontal pass into floats [inHeight, outWidth, channels], then vertical into the result.
        var wide = new float[inHeight * outWidth * channels];
        for (var y = 0; y < inHeight; y++)
        {
            var source = hwc.Slice(y * inWidth * channels, inWidth * channels);
            for (var x = 0; x < outWidth; x++)
            {
                var (first, weights) = columns[x];
                for (var c = 0; c < channels; c++)
                {
                    float sum = 0;
                    for (var k = 0; k < weights.Length; k++) sum += weights[k] * source[(first + k) * channels + c];
                    wide[(y * outWidth + x) * channels + c] = sum;
                }
            }
        }
        for (var y = 0; y < outHeight; y++)
        {
            var (first, weights) = rows[y];
            for (var x = 0; x < outWidth; x++)
            {
                for (var c = 0; c < channels; c++)
                {
                    float sum = 0;
                    for (var k = 0; k < weights.Length; k++) sum += weights[k] * wide[((first + k) * outWidth + x) * channels + c];
                    result[(c * outHeight + y) * outWidth + x] = (byte)Math.Clamp(MathF.Round(sum), 0f, 255f);
                }
            }
        }
        return result;
    }

    // For each output position: the first source position it draws on and the weights of the run from there.
    private static (int first, float[] weights)[] Weights(int inSize, int outSize)
    {
        var scale = (double)inSize / outSize;
        var support = Math.Max(scale, 1.0);
        var result = new (int, float[])[outSize];
        for (var i = 0; i < outSize; i++)
        {
            var center = (i + 0.5) * scale;
            var first = Math.Max(0, (int)Math.Floor(center - support));
            var last = Math.Min(inSize - 1, (int)Math.Ceiling(center + support));
            var weights = new float[last - first + 1];
            double total = 0;
            for (var j = first; j <= last; j++)
            {
                var w = Math.Max(0, 1 - Math.Abs((j + 0.5 - center) / support));
                weights[j - first] = (float)w;
                total += w;
            }
            for (var k = 0; k < weights.Length; k++) weights[k] = (float)(weights[k] / total);
            result[i] = (first, weights);
        }
        return result;
    }
}
