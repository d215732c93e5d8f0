using System.Collections.Concurrent;
using CnnVis.Monitor.Store;

namespace CnnVis.Dashboard.Data;

/// <summary>
/// The dashboard's one way into the run store, strictly read-only (SQLite <c>Mode=ReadOnly</c>; an older store is
/// refused with a message, never migrated by viewing it); the one write, deleting a run, goes through
/// <see cref="DeleteRun"/>. <see cref="RunReader"/> is not thread-safe, so concurrent requests each take a reader of
/// their own from a small pool (up to <c>readers</c> at once, opened on demand and kept); with one reader the pool is
/// a plain lock. When the store cannot be opened (missing, too new, too old, not a store) every read throws the
/// store's own <see cref="RunStoreException"/> naming the file, and the next read tries again, so a store created
/// after the dashboard started is picked up.
/// </summary>
public sealed class RunRepository : IDisposable
{
    private readonly Lock _cacheGate = new();
    private readonly ConcurrentBag<RunReader> _idle = [];
    private readonly SemaphoreSlim _slots;
    private readonly Dictionary<(long Run, string Method, string Target, int From), (long Counter, byte[] Bytes)> _timelines = [];
    private readonly Dictionary<(long Run, string Method, string Target, int From), (byte[] Plain, byte[] Gzip)> _compressed = [];
    private readonly Dictionary<long, (long Counter, TrustSeries Series)> _trust = [];
    private readonly Dictionary<long, (long Counter, IReadOnlyList<(string Method, string Target)> Kinds)> _kinds = [];
    private bool _disposed;

    /// <param name="storePath">The store to read.</param>
    /// <param name="readers">How many requests may read at once, each on its own connection (at least 1).</param>
    public RunRepository(string storePath, int readers = DefaultReaders)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(readers, 1);
        StorePath = Path.GetFullPath(storePath);
        Readers = readers;
        _slots = new SemaphoreSlim(readers, readers);
    }

    /// <summary>The pool size the dashboard uses unless told otherwise (--readers); bench/ measured it against one reader under a lock.</summary>
    public const int DefaultReaders = 4;

    public int Readers { get; }

    public string StorePath { get; }

    public IReadOnlyList<RunSummary> Runs() => Read(r => r.Runs());

    public RunSummary Run(long runId) => Read(r => r.Run(runId));

    public long DataVersion() => Read(r => r.DataVersion());

    public long ChangeCounter(long runId) => Read(r => r.ChangeCounter(runId));

    public IReadOnlyList<MetricSeries> Metrics(long runId) => Read(r => r.MetricNames(runId).Select(name => r.Metric(runId, name)).ToList());

    public IReadOnlyList<SnapshotInfo> Snapshots(long runId) => Read(r => r.Snapshots(runId));

    /// <summary>
    /// The (method, target) pairs the run has maps for, cached until the run changes: every timeline request checks
    /// its kind, and listing them scans the run's maps.
    /// </summary>
    public IReadOnlyList<(string Method, string Target)> MapKinds(long runId) => Read(r =>
    {
        var counter = r.ChangeCounter(runId);
        lock (_cacheGate)
        {
            if (_kinds.TryGetValue(runId, out var cached) && cached.Counter == counter) return cached.Kinds;
        }
        var kinds = r.MapKinds(runId);
        lock (_cacheGate)
        {
            if (_kinds.Count >= 64) _kinds.Clear();
            _kinds[runId] = (counter, kinds);
        }
        return kinds;
    });

    public IReadOnlyList<ProbeRecord> Probes(long runId) => Read(r => r.Probes(runId));

    public IReadOnlyList<LayerStatistics> LayerStatistics(long runId) => Read(r => r.LayerStatistics(runId));

    public IReadOnlyList<ClassAccuracy> ClassAccuracies(long runId) => Read(r => r.ClassAccuracies(runId));

    public IReadOnlyList<CubeSlice> Cube(long runId) => Read(r => r.Cube(runId));

    public StoredMap? Map(long runId, int snapshot, int probe, string method, string target) => Read(r => r.Map(runId, snapshot, probe, method, target));

    /// <summary>
    /// One probe at one snapshot: every method's map and its CAM channel weights; null when the run has no such
    /// snapshot or probe.
    /// </summary>
    public CellDetail? Cell(long runId, int snapshot, int probe)
    {
        var kinds = MapKinds(runId);
        return Read(r =>
        {
            var info = r.Snapshots(runId).FirstOrDefault(s => s.Sequence == snapshot);
            if (info is null || !r.Probes(runId).Any(p => p.Probe == probe)) return null;
            var maps = kinds.Select(k => r.Map(runId, snapshot, probe, k.Method, k.Target)).OfType<StoredMap>().ToList();
            var weights = r.ChannelWeights(runId, snapshot).Where(w => w.Probe == probe).ToList();
            return new CellDetail(info, probe, maps, weights);
        });
    }

    /// <summary>
    /// The timeline's bytes for one method and target from snapshot <paramref name="from"/> on, cached until the
    /// run changes: many pages polling the same run cost one store read.
    /// </summary>
    public byte[] Timeline(long runId, string method, string target, int from) => Read(r =>
    {
        var counter = r.ChangeCounter(runId);
        var key = (runId, method, target, from);
        lock (_cacheGate)
        {
            if (_timelines.TryGetValue(key, out var cached) && cached.Counter == counter) return cached.Bytes;
        }
        var run = r.Run(runId);
        var grid = r.MapGrid(runId, method, target);
        var probabilities = grid.Snapshots.Skip(from).Select(s => r.Probabilities(runId, s.Sequence)).ToList();
        var bytes = TimelineEncoder.Encode(grid, r.Probes(runId), probabilities, run.ClassNames.Count, from);
        lock (_cacheGate)
        {
            if (_timelines.Count >= 64) _timelines.Clear();
            _timelines[key] = (counter, bytes);
        }
        return bytes;
    });

    /// <summary>
    /// <see cref="Timeline"/>'s bytes gzip-compressed (maps are smooth, so they shrink several times), compressed once
    /// per change of the run and cached, so many clients cost one compression.
    /// </summary>
    public byte[] TimelineGzip(long runId, string method, string target, int from)
    {
        var plain = Timeline(runId, method, target, from);
        var key = (runId, method, target, from);
        lock (_cacheGate)
        {
            if (_compressed.TryGetValue(key, out var cached) && ReferenceEquals(cached.Plain, plain)) return cached.Gzip;
        }
        using var stream = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(stream, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(plain);
        var bytes = stream.ToArray();
        lock (_cacheGate)
        {
            if (_compressed.Count >= 64) _compressed.Clear();
            _compressed[key] = (plain, bytes);
        }
        return bytes;
    }

    /// <summary>
    /// The trust view's lines, cached until the run changes. The read API has no drift-only query, so this reads the
    /// map grids (codes included) once per change.
    /// </summary>
    public TrustSeries Trust(long runId) => Read(r =>
    {
        var counter = r.ChangeCounter(runId);
        lock (_cacheGate)
        {
            if (_trust.TryGetValue(runId, out var cached) && cached.Counter == counter) return cached.Series;
        }
        var grids = r.MapKinds(runId).Select(k => r.MapGrid(runId, k.Method, k.Target)).ToList();
        var series = TrustAnalysis.Build(r.Snapshots(runId), grids, r.Trust(runId), r.Metric(runId, "val.accuracy"));
        lock (_cacheGate)
        {
            if (_trust.Count >= 16) _trust.Clear();
            _trust[runId] = (counter, series);
        }
        return series;
    });

    public MetricSeries Metric(long runId, string name) => Read(r => r.Metric(runId, name));

    public IReadOnlyList<FilterImage> Filters(long runId) => Read(r => r.Filters(runId));

    public IReadOnlyList<CheckpointRecord> Checkpoints(long runId) => Read(r => r.Checkpoints(runId));

    /// <summary>
    /// Deletes a run and its checkpoint files: the dashboard's only write, on its own short-lived writer connection.
    /// A run still training is refused (also one trained by this very process with --serve).
    /// </summary>
    public IReadOnlyList<string> DeleteRun(long runId)
    {
        var run = Run(runId);
        if (run.Status == RunStatus.Running)
            throw new RunStoreException($"{StorePath}: run {runId} is still training; stop it before deleting it");
        using var writer = RunWriter.Open(StorePath);
        return writer.DeleteRun(runId);
    }

    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out var reader)) reader.Dispose();
        _slots.Dispose();
    }

    private T Read<T>(Func<RunReader, T> read)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _slots.Wait();
        try
        {
            var reader = _idle.TryTake(out var idle) ? idle : RunReader.OpenReadOnly(StorePath);
            try
            {
                var result = read(reader);
                _idle.Add(reader);
                return result;
            }
            catch (RunNotFoundException)
            {
                _idle.Add(reader);
                throw;
            }
            catch
            {
                // The store may have been replaced or damaged: the next read opens it afresh.
                reader.Dispose();
                throw;
            }
        }
        finally
        {
            _slots.Release();
        }
    }
}
