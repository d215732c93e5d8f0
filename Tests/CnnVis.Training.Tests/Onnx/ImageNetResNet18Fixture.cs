using CnnVis.Torch;
using CnnVis.Training.Models;

namespace CnnVis.Training.Tests.Onnx;

/// <summary>The ImageNet ResNet-18 loaded once for a test class (reading the 64 MB graph takes a moment), and its files.</summary>
public sealed class ImageNetResNet18Fixture : IDisposable
{
    public ImageNetResNet18Fixture()
    {
        Files = ImageNetResNet18Files.Locate();
        Model = ImageNetResNet18.FromOnnx(Files.Backbone, Files.Preprocess, numClasses: 2);
        Model.eval();
        BackboneBytes = File.ReadAllBytes(Files.Backbone);
    }

    public ImageNetResNet18Files Files { get; }

    public ImageNetResNet18 Model { get; }

    public byte[] BackboneBytes { get; }

    /// <summary>
    /// Two 224x224 RGB test images in [0, 1], on the 0..255 grid real pixels lie on: smooth colour waves with a
    /// bright disc, and seeded random coloured blocks; [2, 3, 224, 224] as CHW floats.
    /// </summary>
    public static float[] TestImages(int size = ImageNetResNet18.ImageSize)
    {
        var plane = size * size;
        var data = new float[2 * 3 * plane];
        var random = new Random(12);
        var blocks = new float[3, 8, 8];
        for (var c = 0; c < 3; c++) for (var i = 0; i < 8; i++) for (var j = 0; j < 8; j++) blocks[c, i, j] = random.Next(256) / 255f;
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var inDisc = (x - 0.6 * size) * (x - 0.6 * size) + (y - 0.4 * size) * (y - 0.4 * size) < 0.04 * size * size;
                for (var c = 0; c < 3; c++)
                {
                    var wave = 0.5 + 0.5 * Math.Sin((x * (c + 1) + y * (3 - c)) * 0.05);
                    data[c * plane + y * size + x] = inDisc ? 1f : MathF.Round((float)wave * 255) / 255f;
                    data[(3 + c) * plane + y * size + x] = blocks[c, y * 8 / size, x * 8 / size];
                }
            }
        }
        return data;
    }

    public void Dispose() => Model.Dispose();
}
