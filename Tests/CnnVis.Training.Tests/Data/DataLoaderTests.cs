using CnnVis.Torch;
using CnnVis.Training.Data;

namespace CnnVis.Training.Tests.Data;

public sealed class DataLoaderTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void EveryImageComesOncePerEpoch(bool prefetch)
    {
        var data = TestDatasets.Numbered(103);
        using var loader = new DataLoader(data, batchSize: 10, shuffle: true, seed: 1, prefetch: prefetch);
        Assert.Equal(11, loader.BatchCount);
        for (var epoch = 0; epoch < 2; epoch++)
        {
            var seen = new List<int>();
            var sizes = new List<int>();
            foreach (var batch in loader)
            {
                using (batch)
                {
                    seen.AddRange(batch.Indices);
                    sizes.Add(batch.Count);
                    Assert.Equal(new long[] { batch.Count, 1, 4, 4 }, batch.Images.shape);
                    Assert.Equal(batch.Indices.Select(i => (long)data.Label(i)), batch.Labels.data<long>());
                }
            }
            Assert.Equal(Enumerable.Range(0, 103), seen.Order());
            Assert.Equal(Enumerable.Repeat(10, 10).Append(3), sizes);
        }
    }

    [Fact]
    public void DroppingTheLastBatchKeepsFullBatchesOnly()
    {
        using var loader = new DataLoader(TestDatasets.Numbered(103), 10, shuffle: true, seed: 1, dropLast: true);
        Assert.Equal(10, loader.BatchCount);
        var seen = new List<int>();
        foreach (var batch in loader)
        {
            using (batch)
            {
                Assert.Equal(10, batch.Count);
                seen.AddRange(batch.Indices);
            }
        }
        Assert.Equal(100, seen.Distinct().Count());
    }

    [Fact]
    public void ShuffleDependsOnlyOnSeedAndEpoch()
    {
        var data = TestDatasets.Numbered(500);
        using var a = new DataLoader(data, 32, shuffle: true, seed: 42);
        using var b = new DataLoader(data, 64, shuffle: true, seed: 42, prefetch: false);
        using var other = new DataLoader(data, 32, shuffle: true, seed: 43);
        Assert.Equal(a.Order(3), b.Order(3));
        Assert.NotEqual(a.Order(3), a.Order(4));
        Assert.NotEqual(a.Order(3), other.Order(3));
        Assert.NotEqual(Enumerable.Range(0, 500), a.Order(0));
        Assert.Equal(Enumerable.Range(0, 500), new DataLoader(data, 32, shuffle: false, seed: 42).Order(7));

        // A loader that resumes at epoch 3 serves what a loader that got there by itself serves.
        for (var e = 0; e < 3; e++)
        {
            foreach (var batch in a) batch.Dispose();
        }
        Assert.Equal(3, a.Epoch);
        b.SetEpoch(3);
        var resumed = Indices(b);
        Assert.Equal(Indices(a), resumed);
        Assert.Equal(a.Order(3), resumed);
    }

    [Fact]
    public void EachEnumerationMovesToTheNextEpoch()
    {
        using var loader = new DataLoader(TestDatasets.Numbered(50), 8, shuffle: true, seed: 5);
        loader.SetEpoch(5);
        Assert.Equal(loader.Order(5), Indices(loader));
        Assert.Equal(loader.Order(6), Indices(loader));
        Assert.Equal(7, loader.Epoch);
        Assert.Throws<ArgumentOutOfRangeException>(() => loader.SetEpoch(-1));
    }

    [Fact]
    public void ResumingPartWayServesTheRestOfTheEpoch()
    {
        using var loader = new DataLoader(TestDatasets.Numbered(50), 8, shuffle: true, seed: 5);
        loader.SetEpoch(2);
        var rest = new List<int>();
        foreach (var batch in loader.StartingAt(4))
        {
            using (batch) rest.AddRange(batch.Indices);
        }
        Assert.Equal(loader.Order(2).Skip(32), rest);
        Assert.Equal(3, loader.Epoch);
        Assert.Empty(loader.StartingAt(loader.BatchCount));
        Assert.Throws<ArgumentOutOfRangeException>(() => loader.StartingAt(8));
    }

    [Fact]
    public void ImagesAreNormalisedPerChannel()
    {
        var normalization = new Normalization(new[] { 0.5f, 0.25f }, new[] { 0.5f, 0.125f });
        var data = TestDatasets.Numbered(7, channels: 2, height: 3, width: 3, normalization: normalization);
        using var loader = new DataLoader(data, 4, shuffle: false, seed: 0);
        using var batch = loader.GetBatch(0, 1);
        Assert.Equal(new[] { 4, 5, 6 }, batch.Indices);
        var values = batch.Images.data<float>();
        for (var r = 0; r < 3; r++)
        {
            var raw = data.GetImage(batch.Indices[r]);
            for (var k = 0; k < 18; k++)
            {
                var c = k / 9;
                Assert.Equal((raw[k] - normalization.Mean[c]) / normalization.Std[c], values[r * 18 + k], 5);
            }
        }
    }

    [Fact]
    public void FashionMnistBatchesAreNormalisedWithItsStatistics()
    {
        var data = Subset.First(new FashionMnist(train: false), 300);
        using var loader = new DataLoader(data, 128, shuffle: false, seed: 0);
        using var batch = loader.GetBatch(0, 0);
        Assert.Equal(ScalarType.Float32, batch.Images.dtype);
        Assert.Equal(ScalarType.Int64, batch.Labels.dtype);
        Assert.Equal(new long[] { 128, 1, 28, 28 }, batch.Images.shape);
        Assert.Null(batch.Masks);
        var first = batch.Images.data<float>().AsSpan(0, 784).ToArray();
        var raw = data.GetImage(0);
        for (var k = 0; k < 784; k++) Assert.Equal((raw[k] - 0.2860f) / 0.3530f, first[k], 5);
        Assert.Equal(9L, batch.Labels.data<long>()[0]);
    }

    [Fact]
    public void AugmentationIsACropOfThePaddedImageMaybeMirrored()
    {
        var data = TestDatasets.Numbered(40, channels: 1, height: 4, width: 4);
        using var loader = new DataLoader(data, 40, shuffle: false, seed: 3, new Augmentation(RandomCropPadding: 1, HorizontalFlip: true));
        var variants = new HashSet<(int dx, int dy, bool flip)>();
        for (var epoch = 0; epoch < 3; epoch++)
        {
            using var batch = loader.GetBatch(epoch, 0);
            var images = batch.Images.data<float>();
            var masks = batch.Masks!.data<float>();
            for (var r = 0; r < batch.Count; r++)
            {
                var source = data.GetImage(batch.Indices[r]);
                var produced = images.AsSpan(r * 16, 16).ToArray();
                var match = Variants(source).Where(v => v.image.SequenceEqual(produced)).ToArray();
                Assert.True(match.Length > 0, $"row {r} of epoch {epoch} is no crop of its padded image");
                variants.Add(match[0].key);
                // The mask moved with its image: 1 exactly where the moved image is above one half.
                Assert.Equal(produced.Select(v => v > 0.5f ? 1f : 0f), masks.AsSpan(r * 16, 16).ToArray());
            }
        }
        Assert.True(variants.Count >= 10, $"only {variants.Count} of 18 crops and flips were seen in 120 draws");
        Assert.Contains(variants, v => v.flip);
        Assert.Contains(variants, v => !v.flip);
    }

    [Fact]
    public void AugmentationIsDeterministicPerSeedAndEpoch()
    {
        var data = new SyntheticShapes(count: 64, seed: 1);
        var augmentation = new Augmentation(RandomCropPadding: 4, HorizontalFlip: true);
        using var a = new DataLoader(data, 32, shuffle: true, seed: 9, augmentation);
        using var b = new DataLoader(data, 16, shuffle: false, seed: 9, augmentation, prefetch: false);
        using var c = new DataLoader(data, 32, shuffle: true, seed: 10, augmentation);
        var first = ImagesByIndex(a, epoch: 2);
        Assert.Equal(first, ImagesByIndex(b, epoch: 2));
        Assert.NotEqual(first, ImagesByIndex(a, epoch: 3));
        Assert.NotEqual(first, ImagesByIndex(c, epoch: 2));
    }

    [Fact]
    public void SeveralWorkersBuildTheSameBatches()
    {
        var data = new SyntheticShapes(count: 100, seed: 4);
        var augmentation = new Augmentation(RandomCropPadding: 3, HorizontalFlip: true);
        using var one = new DataLoader(data, 25, shuffle: true, seed: 1, augmentation);
        using var four = new DataLoader(data, 25, shuffle: true, seed: 1, augmentation) { Workers = 4 };
        Assert.Equal(ImagesByIndex(one, epoch: 1), ImagesByIndex(four, epoch: 1));
        using var a = one.GetBatch(1, 2);
        using var b = four.GetBatch(1, 2);
        Assert.Equal(a.Masks!.data<float>(), b.Masks!.data<float>());
        Assert.Equal(a.Labels.data<long>(), b.Labels.data<long>());

        using var failing = new DataLoader(new FailingDataset(TestDatasets.Numbered(20), badIndex: 5), 20, shuffle: false, seed: 0) { Workers = 3 };
        Assert.Equal("image 5 is unreadable", Assert.Throws<InvalidDataException>(() => failing.GetBatch(0, 0)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(data, 4, shuffle: true, seed: 0) { Workers = 0 });
    }

    [Fact]
    public void MasksComeWithTheirImages()
    {
        var data = new SyntheticShapes(count: 10, seed: 1);
        using var loader = new DataLoader(data, 4, shuffle: true, seed: 0);
        using var batch = loader.GetBatch(0, 0);
        Assert.NotNull(batch.Masks);
        Assert.Equal(new long[] { 4, 1, 32, 32 }, batch.Masks!.shape);
        var masks = batch.Masks.data<float>();
        for (var r = 0; r < 4; r++)
        {
            var expected = new float[32 * 32];
            data.CopyMask(batch.Indices[r], expected);
            Assert.Equal(expected, masks.AsSpan(r * 1024, 1024).ToArray());
        }
    }

    [Fact]
    public void BadSettingsAreRefused()
    {
        var data = TestDatasets.Numbered(10);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(data, 0, shuffle: true, seed: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(data, 4, shuffle: true, seed: 0, new Augmentation(RandomCropPadding: -1)));
        Assert.Throws<ArgumentException>(() => new DataLoader(data, 11, shuffle: true, seed: 0, dropLast: true));
        Assert.Throws<ArgumentException>(() => new DataLoader(Subset.First(data, 0), 4, shuffle: true, seed: 0));
        Assert.Throws<ArgumentException>(() => TestDatasets.Numbered(4, normalization: new Normalization(new[] { 0f, 0f }, new[] { 1f, 1f })));
        using var loader = new DataLoader(data, 4, shuffle: true, seed: 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => loader.GetBatch(0, 3));
    }

    // Every crop of the image padded by one pixel, mirrored or not, keyed by (dx, dy, flip).
    private static IEnumerable<((int dx, int dy, bool flip) key, float[] image)> Variants(float[] source)
    {
        foreach (var flip in new[] { false, true })
        {
            for (var dy = -1; dy <= 1; dy++)
            {
                for (var dx = -1; dx <= 1; dx++)
                {
                    var image = new float[16];
                    for (var y = 0; y < 4; y++)
                    {
                        for (var x = 0; x < 4; x++)
                        {
                            int sx = (flip ? 3 - x : x) + dx, sy = y + dy;
                            image[y * 4 + x] = sx is >= 0 and < 4 && sy is >= 0 and < 4 ? source[sy * 4 + sx] : 0f;
                        }
                    }
                    yield return ((dx, dy, flip), image);
                }
            }
        }
    }

    private static List<int> Indices(DataLoader loader)
    {
        var indices = new List<int>();
        foreach (var batch in loader)
        {
            using (batch) indices.AddRange(batch.Indices);
        }
        return indices;
    }

    // The images of one epoch, in dataset order whatever order they came in.
    private static float[] ImagesByIndex(DataLoader loader, int epoch)
    {
        loader.SetEpoch(epoch);
        var length = loader.Dataset.ImageLength;
        var result = new float[loader.Dataset.Count * length];
        foreach (var batch in loader)
        {
            using (batch)
            {
                var values = batch.Images.data<float>();
                for (var r = 0; r < batch.Count; r++) values.AsSpan(r * length, length).CopyTo(result.AsSpan(batch.Indices[r] * length));
            }
        }
        return result;
    }
}
