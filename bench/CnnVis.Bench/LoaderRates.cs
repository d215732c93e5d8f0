using System.Diagnostics;
using System.Text.Json.Nodes;
using CnnVis.Training.Data;
using static CnnVis.Bench.Format;

namespace CnnVis.Bench;

/// <summary>
/// How fast the trainer's DataLoader makes batches of 128 (prefetching, one worker), alone: Fashion-MNIST plain and
/// with crop and flip, synthetic-shapes generated on the fly. Training consumes about a thousand images per second;
/// a loader far above that never holds a step up. (Was a timing assertion in the test suite.)
/// </summary>
internal static class LoaderRates
{
    public static JsonObject Measure(bool quick)
    {
        var fashion = new FashionMnist(train: true);
        ImageDataset fashionData = quick ? Subset.First(fashion, 8192) : fashion;
        var plain = Rate(fashionData, new Augmentation());
        var augmented = Rate(fashionData, new Augmentation(RandomCropPadding: 2, HorizontalFlip: true));
        var shapes = Rate(Subset.First(new SyntheticShapes(seed: 0), quick ? 512 : 2560), new Augmentation());
        Console.WriteLine($"data loader, batches of 128: fashion-mnist {F(plain, 0)} img/s, with crop and flip {F(augmented, 0)} img/s, " +
            $"synthetic-shapes 32x32 {F(shapes, 0)} img/s");
        return new JsonObject
        {
            ["what"] = "DataLoader batches of 128 (shuffled, prefetching), one pass after one warm-up pass, images per second",
            ["fashion_mnist_img_s"] = plain,
            ["fashion_mnist_crop_flip_img_s"] = augmented,
            ["synthetic_shapes_img_s"] = shapes,
        };
    }

    private static double Rate(ImageDataset data, Augmentation augmentation)
    {
        using var loader = new DataLoader(data, 128, shuffle: true, seed: 0, augmentation);
        foreach (var batch in loader) batch.Dispose();
        var clock = Stopwatch.StartNew();
        long images = 0;
        foreach (var batch in loader)
        {
            using (batch) images += batch.Count;
        }
        return images / clock.Elapsed.TotalSeconds;
    }
}
