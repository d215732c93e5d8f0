using CnnVis.Monitor.Store;

namespace CnnVis.Dashboard.Data;

/// <summary>
/// The dashboard's one way into the run store, read-only. One <see cref="RunReader"/> (one SQLite connection) is
/// shared under a lock; when the store cannot be opened (missing, too new, not a store) every read throws the
/// store's own <see cref="RunStoreException"/> naming the file, and the next read tries again, so a store created
/// after the dashboard started is picked up.
/// </summary>
public sealed class RunRepository(string storePath) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(long Run, string Method, string Target, int From), (long Counter, byte[] Bytes)> _timelines = [];
    private readonly Dictionary<long, (long Counter, TrustSeries Series)> _trust = [];
    private RunReader? _reader;

    public string StorePath { get; } = Path.GetFullPath(storePath);

    public IReadOnlyList<RunSummary> Runs() => Read(r => r.Runs());

    public RunSummary Run(long runId) => Read(r => r.Run(runId));

    public long DataVersion() => Read(r => r.DataVersion());

    public long ChangeCounter(long runId) => Read(r => r.ChangeCounter(runId));

    public IReadOnlyList<MetricSeries> Metrics(long runId) => Read(r => r.MetricNames(runId).Select(name => r.Metric(runId, name)).ToList());

    public IReadOnlyList<SnapshotInfo> Snapshots(long runId) => Read(r => r.Snapshots(runId));

    public IReadOnlyList<(string Method, string Target)> MapKinds(long runId) => Read(r => r.MapKinds(runId));

    public IReadOnlyList<ProbeRecord> Probes(long runId) => Read(r => r.Probes(runId));

    public IReadOnlyList<LayerStatistics> LayerStatistics(long runId) => Read(r => r.LayerStatistics(runId));

    public IReadOnlyList<ClassAccuracy> ClassAccuracies(long runId) => Read(r => r.ClassAccuracies(runId));

    public IReadOnlyList<CubeSlice> Cube(long runId) => Read(r => r.Cube(runId));

    public StoredMap? Map(long runId, int snapshot, int probe, string method, string target) => Read(r => r.Map(runId, snapshot, probe, method, target));

    /// <summary>
    /// The timeline's bytes for one method and target from snapshot <paramref name="from"/> on, cached until the
    /// run changes: many pages polling the same run cost one store read.
    /// </summary>
    public byte[] Timeline(long runId, string method, string target, int from) => Read(r =>
    {
        var counter = r.ChangeCounter(runId);
        var key = (runId, method, target, from);
        if (_timelines.TryGetValue(key, out var cached) && cached.Counter == counter) return cached.Bytes;
        var run = r.Run(runId);
        var grid = r.MapGrid(runId, method, target);
        var probabilities = grid.Snapshots.Skip(from).Select(s => r.Probabilities(runId, s.Sequence)).ToList();
        var bytes = TimelineEncoder.Encode(grid, r.Probes(runId), probabilities, run.ClassNames.Count, from);
        if (_timelines.Count >= 64) _timelines.Clear();
        _timelines[key] = (counter, bytes);
        return bytes;
    });

    /// <summary>
    /// The trust view's lines, cached until the run changes. The read API has no drift-only query, so this reads the
    /// map grids (codes included) once per change.
    /// </summary>
    public TrustSeries Trust(long runId) => Read(r =>
    {
        var counter = r.ChangeCounter(runId);
        if (_trust.TryGetValue(runId, out var cached) && cached.Counter == counter) return cached.Series;
        var grids = r.MapKinds(runId).Select(k => r.MapGrid(runId, k.Method, k.Target)).ToList();
        var series = TrustAnalysis.Build(r.Snapshots(runId), grids, r.Trust(runId), r.Metric(runId, "val.accuracy"));
        if (_trust.Count >= 16) _trust.Clear();
        _trust[runId] = (counter, series);
        return series;
    });

    public MetricSeries Metric(long runId, string name) => Read(r => r.Metric(runId, name));

    public IReadOnlyList<FilterImage> Filters(long runId) => Read(r => r.Filters(runId));

    public IReadOnlyList<CheckpointRecord> Checkpoints(long runId) => Read(r => r.Checkpoints(runId));

    public void Dispose()
    {
        lock (_gate)
        {
            _reader?.Dispose();
            _reader = null;
        }
    }

    private T Read<T>(Func<RunReader, T> read)
    {
        lock (_gate)
        {
            _reader ??= RunReader.Open(StorePath);
            return read(_reader);
        }
    }
}
