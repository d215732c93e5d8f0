using CnnVis.Torch;
using CnnVis.Training.Data;

namespace CnnVis.Training.Tests.Data;

/// <summary>Batches own their tensors: nothing leaks, and nothing is freed under the consumer's feet.</summary>
[Collection(NativeMemoryCollection.Name)]
public sealed class NativeMemoryTests
{
    [Fact]
    public void LiveTensorsReturnToTheBaselineAfterALoaderIsUsed()
    {
        var data = new SyntheticShapes(count: 100, seed: 1);
        var baseline = SettledLiveCount();
        using (var loader = new DataLoader(data, 16, shuffle: true, seed: 2, new Augmentation(2, true)))
        {
            for (var epoch = 0; epoch < 2; epoch++)
            {
                foreach (var batch in loader)
                {
                    using (batch) Assert.NotNull(batch.Masks);
                }
            }
            // Leaving early: the batch built ahead is freed with the enumeration.
            foreach (var batch in loader)
            {
                batch.Dispose();
                break;
            }
            // An enumeration left open is closed, and its batch built ahead freed, with the loader.
            var open = loader.GetEnumerator();
            Assert.True(open.MoveNext());
            open.Current.Dispose();
        }
        Assert.Equal(baseline, SettledLiveCount());
    }

    [Fact]
    public void BatchesOutliveTheConsumersDisposeScope()
    {
        var data = TestDatasets.Numbered(64);
        var baseline = SettledLiveCount();
        using (var loader = new DataLoader(data, 8, shuffle: true, seed: 0))
        {
            var batches = new List<Batch>();
            using (var scope = torch.NewDisposeScope())
            {
                // The enumeration starts (and builds ahead) while the scope is open, as a training step's would.
                foreach (var batch in loader)
                {
                    batches.Add(batch);
                    using var step = torch.NewDisposeScope();
                    _ = batch.Images * 2;
                }
            }
            Assert.Equal(8, batches.Count);
            foreach (var batch in batches)
            {
                Assert.False(batch.Images.IsDisposed);
                Assert.Equal(8 * 16, batch.Images.data<float>().Length);
                batch.Dispose();
                Assert.True(batch.Images.IsDisposed && batch.Labels.IsDisposed);
            }
        }
        Assert.Equal(baseline, SettledLiveCount());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AnImageThatCannotBeReadStopsTheEpochWithItsError(bool prefetch)
    {
        var data = new FailingDataset(TestDatasets.Numbered(40), badIndex: 17);
        var baseline = SettledLiveCount();
        using (var loader = new DataLoader(data, 4, shuffle: false, seed: 0, prefetch: prefetch))
        {
            var served = 0;
            var e = Assert.Throws<InvalidDataException>(() =>
            {
                foreach (var batch in loader)
                {
                    using (batch) served++;
                }
            });
            Assert.Equal("image 17 is unreadable", e.Message);
            Assert.Equal(4, served);
        }
        Assert.Equal(baseline, SettledLiveCount());
    }

    // Tensors other tests dropped without disposing are finalised first, so only this test's count.
    private static long SettledLiveCount()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return Tensor.LiveCount;
    }
}
