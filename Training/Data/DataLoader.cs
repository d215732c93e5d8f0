using System.Buffers;
using System.Collections;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using CnnVis.Torch;

namespace CnnVis.Training.Data;

/// <summary>
/// Cuts a dataset into batches of normalised tensors, in a shuffled order that depends only on
/// (seed, epoch), so a run is reproducible and can resume at any epoch. While one batch is being
/// used, the next is built on a background thread (<c>prefetch</c>). Each batch is the consumer's to
/// dispose; batches never join the consumer's dispose scope, so leaving a scope cannot free one early.
/// </summary>
public sealed class DataLoader : IEnumerable<Batch>, IDisposable
{
    // Keys that keep the loader's random streams apart from each other and from other users of the seed.
    private const long ShuffleStream = 0x5348554646;
    private const long AugmentationStream = 0x4155474D;

    private readonly float[] _scale;
    private readonly float[] _shift;
    private readonly HashSet<Enumerator> _open = new();
    private readonly int _workers = 1;
    private int _epoch;
    private bool _disposed;

    public DataLoader(ImageDataset dataset, int batchSize, bool shuffle, long seed, Augmentation? augmentation = null,
        bool dropLast = false, bool prefetch = true)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), $"the batch size must be positive, got {batchSize}");
        if (dataset.Count == 0) throw new ArgumentException($"{dataset.Name} holds no images", nameof(dataset));
        // A batch is one buffer of floats indexed by int: refuse one too big before anything is allocated.
        if ((long)batchSize * dataset.ImageLength > Array.MaxLength)
            throw new ArgumentException(
                $"{dataset.Name}: a batch of {batchSize} images of {dataset.Channels}x{dataset.Height}x{dataset.Width} holds {(long)batchSize * dataset.ImageLength:N0} values, " +
                $"more than one buffer can ({Array.MaxLength:N0}); lower the batch size or the image size", nameof(batchSize));
        augmentation ??= Augmentation.None;
        if (augmentation.RandomCropPadding < 0)
            throw new ArgumentOutOfRangeException(nameof(augmentation), $"the random crop padding must not be negative, got {augmentation.RandomCropPadding}");
        if (dropLast && dataset.Count < batchSize)
            throw new ArgumentException($"{dataset.Name} holds {dataset.Count} images, fewer than one batch of {batchSize}: dropping the last batch would leave none", nameof(dropLast));

        var normalization = dataset.Normalization;
        normalization.Validate(dataset.Channels);
        _scale = normalization.Std.Select(s => 1f / s).ToArray();
        _shift = normalization.Mean.Zip(normalization.Std, (m, s) => -m / s).ToArray();

        Dataset = dataset;
        BatchSize = batchSize;
        Shuffle = shuffle;
        Seed = seed;
        Augmentation = augmentation;
        DropLast = dropLast;
        Prefetch = prefetch;
    }

    public ImageDataset Dataset { get; }
    public int BatchSize { get; }
    public bool Shuffle { get; }
    public long Seed { get; }
    public Augmentation Augmentation { get; }
    public bool DropLast { get; }
    public bool Prefetch { get; }

    /// <summary>
    /// Threads that fill one batch together (default 1). Worth raising when images are expensive to make
    /// (synthetic-shapes, a folder decoded for the first time) and cores are free, as when a GPU trains.
    /// The dataset must allow concurrent reads, as <see cref="ImageDataset"/> asks of every dataset.
    /// </summary>
    public int Workers
    {
        get => _workers;
        init => _workers = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Workers), $"a loader needs at least one worker, got {value}");
    }

    /// <summary>Batches in one epoch (the last one may be short, unless it is dropped).</summary>
    public int BatchCount => DropLast ? Dataset.Count / BatchSize : (Dataset.Count + BatchSize - 1) / BatchSize;

    /// <summary>The epoch the next enumeration serves; each enumeration moves it on by one.</summary>
    public int Epoch => Volatile.Read(ref _epoch);

    /// <summary>Makes the next enumeration serve <paramref name="epoch"/> (call it before each epoch, or to resume).</summary>
    public void SetEpoch(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        Volatile.Write(ref _epoch, epoch);
    }

    /// <summary>The order in which an epoch visits the dataset: a permutation that depends only on (seed, epoch), or 0..n−1 unshuffled.</summary>
    public int[] Order(int epoch)
    {
        var order = Enumerable.Range(0, Dataset.Count).ToArray();
        if (Shuffle)
        {
            var random = SeededRandom.For(Seed, ShuffleStream, epoch);
            random.Shuffle(order);
        }
        return order;
    }

    /// <summary>Batch <paramref name="batchIndex"/> of <paramref name="epoch"/>, built now on this thread; the caller disposes it.</summary>
    public Batch GetBatch(int epoch, int batchIndex)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if ((uint)batchIndex >= (uint)BatchCount)
            throw new ArgumentOutOfRangeException(nameof(batchIndex), $"batch {batchIndex} is out of range: an epoch has {BatchCount} batches");
        return Build(epoch, Order(epoch), batchIndex);
    }

    public IEnumerator<Batch> GetEnumerator() => Start(0);

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>
    /// The rest of an epoch from batch <paramref name="batchIndex"/> on, as an enumeration of the whole
    /// epoch would serve it (it moves the epoch on the same way), without building the batches before it:
    /// for resuming a run part-way through an epoch.
    /// </summary>
    public IEnumerable<Batch> StartingAt(int batchIndex)
    {
        if (batchIndex < 0 || batchIndex > BatchCount)
            throw new ArgumentOutOfRangeException(nameof(batchIndex), $"batch {batchIndex} is out of range: an epoch has {BatchCount} batches");
        return new Remainder(this, batchIndex);
    }

    private Enumerator Start(int batchIndex)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var epoch = Interlocked.Increment(ref _epoch) - 1;
        var enumerator = new Enumerator(this, epoch, Order(epoch), batchIndex);
        lock (_open) _open.Add(enumerator);
        return enumerator;
    }

    /// <summary>Stops open enumerations, freeing any batch built ahead and not yet handed out.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Enumerator[] open;
        lock (_open) open = _open.ToArray();
        foreach (var e in open) e.Dispose();
    }

    private Batch Build(int epoch, int[] order, int batchIndex)
    {
        var start = batchIndex * BatchSize;
        var rows = Math.Min(BatchSize, order.Length - start);
        var indices = order.AsSpan(start, rows).ToArray();
        int channels = Dataset.Channels, height = Dataset.Height, width = Dataset.Width;
        var imageLength = channels * height * width;
        var planeLength = height * width;

        var images = ArrayPool<float>.Shared.Rent(rows * imageLength);
        var masks = Dataset.HasMasks ? ArrayPool<float>.Shared.Rent(rows * planeLength) : null;
        var labels = new long[rows];
        try
        {
            var workers = Math.Clamp(Workers, 1, rows);
            if (workers == 1)
            {
                FillRows(epoch, indices, 0, rows, images, masks, labels);
            }
            else
            {
                try
                {
                    Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, w =>
                        FillRows(epoch, indices, rows * w / workers, rows * (w + 1) / workers, images, masks, labels));
                }
                catch (AggregateException e) when (e.InnerExceptions.Count > 0)
                {
                    // The dataset's own error (a file that cannot be read), not a wrapper around it.
                    ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
                }
            }

            // A scope of our own: whatever scope the caller has open (and may close) never owns the batch.
            using var scope = torch.NewDisposeScope();
            var imageTensor = torch.tensor<float>(images.AsSpan(0, rows * imageLength), stackalloc long[] { rows, channels, height, width });
            var labelTensor = torch.tensor<long>(labels, stackalloc long[] { rows });
            var maskTensor = masks is null ? null : torch.tensor<float>(masks.AsSpan(0, rows * planeLength), stackalloc long[] { rows, 1, height, width });
            imageTensor.DetachFromDisposeScope();
            labelTensor.DetachFromDisposeScope();
            maskTensor?.DetachFromDisposeScope();
            return new Batch(imageTensor, labelTensor, indices, maskTensor);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(images);
            if (masks is not null) ArrayPool<float>.Shared.Return(masks);
        }
    }

    // Reads, augments and normalises rows [from, to) of a batch into its buffers.
    private void FillRows(int epoch, int[] indices, int from, int to, float[] images, float[]? masks, long[] labels)
    {
        int channels = Dataset.Channels, height = Dataset.Height, width = Dataset.Width;
        var imageLength = channels * height * width;
        var planeLength = height * width;
        var classes = Dataset.ClassNames.Count;
        var scratch = Augmentation.IsNone ? null : new float[imageLength];
        for (var r = from; r < to; r++)
        {
            var index = indices[r];
            var image = images.AsSpan(r * imageLength, imageLength);
            var mask = masks is null ? default : masks.AsSpan(r * planeLength, planeLength);
            if (scratch is null)
            {
                Dataset.CopyImage(index, image);
                if (masks is not null) Dataset.CopyMask(index, mask);
            }
            else
            {
                // Keyed by the image, not its place in the batch: the same epoch gives the same crop whatever the batching.
                var random = SeededRandom.For(Seed, AugmentationStream, epoch, index);
                var pad = Augmentation.RandomCropPadding;
                var dx = pad == 0 ? 0 : random.NextInt(2 * pad + 1) - pad;
                var dy = pad == 0 ? 0 : random.NextInt(2 * pad + 1) - pad;
                var flip = Augmentation.HorizontalFlip && random.NextBool();
                Dataset.CopyImage(index, scratch);
                Shift(scratch, image, channels, height, width, dx, dy, flip);
                if (masks is not null)
                {
                    var plane = scratch.AsSpan(0, planeLength);
                    Dataset.CopyMask(index, plane);
                    Shift(plane, mask, 1, height, width, dx, dy, flip);
                }
            }
            Normalize(image, planeLength);
            var label = Dataset.Label(index);
            if ((uint)label >= (uint)classes)
                throw new InvalidDataException($"{Dataset.Name}: image {index} has label {label}, outside its {classes} classes");
            labels[r] = label;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Normalize(Span<float> image, int planeLength)
    {
        for (var c = 0; c < _scale.Length; c++)
        {
            var plane = image.Slice(c * planeLength, planeLength);
            float scale = _scale[c], shift = _shift[c];
            for (var i = 0; i < plane.Length; i++) plane[i] = plane[i] * scale + shift;
        }
    }

    /// <summary>
    /// Moves the content by (dx, dy) and mirrors it if asked: out[y, x] = in[y + dy, x' + dx] with
    /// x' = x or W−1−x, and 0 (black) where that falls outside — a crop of the zero-padded image.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Shift(ReadOnlySpan<float> source, Span<float> destination, int planes, int height, int width, int dx, int dy, bool flip)
    {
        for (var p = 0; p < planes; p++)
        {
            var inPlane = source.Slice(p * height * width, height * width);
            var outPlane = destination.Slice(p * height * width, height * width);
            for (var y = 0; y < height; y++)
            {
                var row = outPlane.Slice(y * width, width);
                var sy = y + dy;
                if ((uint)sy >= (uint)height)
                {
                    row.Clear();
                    continue;
                }
                var inRow = inPlane.Slice(sy * width, width);
                for (var x = 0; x < width; x++)
                {
                    var sx = (flip ? width - 1 - x : x) + dx;
                    row[x] = (uint)sx < (uint)width ? inRow[sx] : 0f;
                }
            }
        }
    }

    /// <summary>One pass over one epoch, building the next batch while the current one is in use.</summary>
    private sealed class Enumerator : IEnumerator<Batch>
    {
        private readonly DataLoader _loader;
        private readonly int _epoch;
        private readonly int[] _order;
        private readonly int _count;
        private int _next;
        private Task<Batch>? _ahead;
        private Batch? _current;
        private bool _disposed;

        public Enumerator(DataLoader loader, int epoch, int[] order, int firstBatch)
        {
            _loader = loader;
            _epoch = epoch;
            _order = order;
            _count = loader.BatchCount;
            _next = firstBatch;
        }

        public Batch Current => _current ?? throw new InvalidOperationException("the enumeration has not started or has ended");

        object IEnumerator.Current => Current;

        public bool MoveNext()
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _current = null;
            Batch batch;
            if (_ahead is not null)
            {
                var ahead = _ahead;
                _ahead = null;
                batch = ahead.GetAwaiter().GetResult();
            }
            else if (_next < _count)
            {
                batch = _loader.Build(_epoch, _order, _next++);
            }
            else
            {
                return false;
            }
            if (_loader.Prefetch && _next < _count) _ahead = BuildInBackground(_next++);
            _current = batch;
            return true;
        }

        public void Reset() => throw new NotSupportedException("a loader enumeration cannot be restarted; enumerate the loader again");

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            _current = null;
            if (_ahead is { } ahead)
            {
                _ahead = null;
                try
                {
                    ahead.GetAwaiter().GetResult().Dispose();
                }
                catch
                {
                    // The batch nobody asked for failed to build: there is nothing to free, and nobody to tell.
                }
            }
            lock (_loader._open) _loader._open.Remove(this);
        }

        private Task<Batch> BuildInBackground(int batchIndex)
        {
            // The consumer's execution context (and with it its dispose scope) stays behind.
            if (ExecutionContext.IsFlowSuppressed()) return Task.Run(() => _loader.Build(_epoch, _order, batchIndex));
            using (ExecutionContext.SuppressFlow())
            {
                return Task.Run(() => _loader.Build(_epoch, _order, batchIndex));
            }
        }
    }

    /// <summary>An epoch enumerated from a given batch on.</summary>
    private sealed class Remainder(DataLoader loader, int firstBatch) : IEnumerable<Batch>
    {
        public IEnumerator<Batch> GetEnumerator() => loader.Start(firstBatch);

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
