using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace CnnVis.Monitor.Store;

/// <summary>
/// The one read API over the run store, shared by the CLI and the dashboard. Safe while a trainer in another
/// process writes: each query reads one consistent state of the store (WAL), so a snapshot is seen whole or not
/// at all. <see cref="ChangeCounter"/> and <see cref="DataVersion"/> tell cheaply whether anything new arrived.
/// </summary>
public sealed class RunReader : IDisposable
{
    private readonly SqliteConnection _connection;

    private RunReader(string path, SqliteConnection connection)
    {
        Path = path;
        _connection = connection;
    }

    public string Path { get; }

    /// <summary>Opens an existing store; the error names the file when it is missing, not SQLite, not a CnnVis store or too new.</summary>
    public static RunReader Open(string path) => new(path, StoreFile.Open(path, writer: false));

    /// <summary>
    /// Opens an existing store strictly read-only (SQLite <c>Mode=ReadOnly</c>): nothing is ever written through it,
    /// and a store from an older CnnVis is refused with a message saying how to upgrade it, never migrated.
    /// </summary>
    public static RunReader OpenReadOnly(string path) => new(path, StoreFile.Open(path, writer: false, readOnly: true));

    /// <summary>Every run, newest first.</summary>
    public IReadOnlyList<RunSummary> Runs() => Query("list the runs", $"{RunSelect} ORDER BY r.id DESC", null, ReadRun);

    /// <summary>One run; <see cref="RunNotFoundException"/> names the id when there is none.</summary>
    public RunSummary Run(long runId) =>
        Query($"read run {runId}", $"{RunSelect} WHERE r.id = $id", c => c.Parameters.AddWithValue("$id", runId), ReadRun).SingleOrDefault()
        ?? throw new RunNotFoundException($"{Path}: no run {runId} in this store");

    /// <summary>A number that grows with every write to the run: poll it, and re-read only when it changed.</summary>
    public long ChangeCounter(long runId)
    {
        var rows = Query($"read run {runId}", "SELECT change_counter FROM runs WHERE id = $id", Id(runId), r => r.GetInt64(0));
        return rows.Count == 1 ? rows[0] : throw new RunNotFoundException($"{Path}: no run {runId} in this store");
    }

    /// <summary>SQLite's <c>data_version</c>: changes when another connection committed anything to the store.</summary>
    public long DataVersion() => Query("read the data version", "PRAGMA data_version", null, r => r.GetInt64(0)).Single();

    public IReadOnlyList<string> MetricNames(long runId) =>
        Query("list metrics", "SELECT DISTINCT name FROM metrics WHERE run_id = $id ORDER BY name", Id(runId), r => r.GetString(0), runId);

    /// <summary>A metric over the run, by step; empty when the run has no such metric.</summary>
    public MetricSeries Metric(long runId, string name)
    {
        var rows = Query($"read metric {name}", "SELECT step, epoch, value FROM metrics WHERE run_id = $id AND name = $name ORDER BY step",
            c => { c.Parameters.AddWithValue("$id", runId); c.Parameters.AddWithValue("$name", name); },
            r => (step: r.GetInt64(0), epoch: r.GetInt32(1), value: r.GetDouble(2)), runId);
        return new MetricSeries(name, rows.Select(x => x.step).ToArray(), rows.Select(x => x.epoch).ToArray(), rows.Select(x => x.value).ToArray());
    }

    public IReadOnlyList<SnapshotInfo> Snapshots(long runId) =>
        Query("list snapshots", "SELECT id, seq, step, epoch, reason, created_utc, cost_ms FROM snapshots WHERE run_id = $id ORDER BY seq", Id(runId), ReadSnapshot, runId);

    public IReadOnlyList<SkippedSnapshot> SkippedSnapshots(long runId) =>
        Query("list skipped snapshots", "SELECT step, epoch, reason, created_utc FROM skipped_snapshots WHERE run_id = $id ORDER BY step, rowid", Id(runId),
            r => new SkippedSnapshot(r.GetInt64(0), r.GetInt32(1), r.GetString(2), RunWriter.ParseTime(r.GetString(3))), runId);

    public IReadOnlyList<ProbeRecord> Probes(long runId) =>
        Query("list probes", "SELECT probe, dataset_index, label, kind, added_at_step, channels, height, width, image FROM probes WHERE run_id = $id ORDER BY probe", Id(runId),
            r => new ProbeRecord(r.GetInt32(0), r.GetInt32(1), r.GetInt32(2), r.GetString(3), r.GetInt64(4), r.GetInt32(5), r.GetInt32(6), r.GetInt32(7), (byte[])r["image"]), runId);

    /// <summary>The (method, target) pairs the run has maps for.</summary>
    public IReadOnlyList<(string Method, string Target)> MapKinds(long runId) =>
        Query("list map kinds", "SELECT DISTINCT m.method, m.target FROM maps m JOIN snapshots s ON s.id = m.snapshot_id WHERE s.run_id = $id ORDER BY m.method, m.target",
            Id(runId), r => (r.GetString(0), r.GetString(1)), runId);

    /// <summary>
    /// Every map of one method and target, probes × snapshots, in one query: at input resolution, or at the method's
    /// natural one (cells are null where a method has none, and in stores written before natural maps were kept).
    /// </summary>
    public MapGrid MapGrid(long runId, string method, string target, MapResolution resolution = MapResolution.Input)
    {
        // One read transaction, so the snapshot list and the maps come from the same state of the store.
        return InReadTransaction($"read the {method} map grid", transaction =>
        {
            RequireRun(runId, transaction);
            var snapshots = Query(transaction, "SELECT id, seq, step, epoch, reason, created_utc, cost_ms FROM snapshots WHERE run_id = $id ORDER BY seq", Id(runId), ReadSnapshot);
            var probes = Query(transaction, "SELECT probe FROM probes WHERE run_id = $id ORDER BY probe", Id(runId), r => r.GetInt32(0));
            var maps = Query(transaction, $"{SelectMaps(resolution)} WHERE s.run_id = $id AND m.method = $method AND m.target = $target",
                c => { c.Parameters.AddWithValue("$id", runId); c.Parameters.AddWithValue("$method", method); c.Parameters.AddWithValue("$target", target); }, ReadMap);
            var row = snapshots.Select((s, k) => (s.Sequence, k)).ToDictionary(x => x.Sequence, x => x.k);
            var column = probes.Select((p, k) => (p, k)).ToDictionary(x => x.p, x => x.k);
            var cells = snapshots.Select(_ => new StoredMap?[probes.Count]).ToArray();
            foreach (var map in maps)
            {
                if (column.TryGetValue(map.Probe, out var c)) cells[row[map.Snapshot]][c] = map;
            }
            return new MapGrid(method, target, snapshots, probes, cells) { Resolution = resolution };
        });
    }

    /// <summary>One map at full stored precision, at input or natural resolution; null when that snapshot has no such map.</summary>
    public StoredMap? Map(long runId, int snapshot, int probe, string method, string target, MapResolution resolution = MapResolution.Input) =>
        Query("read a map", $"{SelectMaps(resolution)} WHERE s.run_id = $id AND s.seq = $seq AND m.probe = $probe AND m.method = $method AND m.target = $target",
            c =>
            {
                c.Parameters.AddWithValue("$id", runId);
                c.Parameters.AddWithValue("$seq", snapshot);
                c.Parameters.AddWithValue("$probe", probe);
                c.Parameters.AddWithValue("$method", method);
                c.Parameters.AddWithValue("$target", target);
            }, ReadMap, runId).SingleOrDefault();

    public IReadOnlyList<ProbeProbabilities> Probabilities(long runId, int snapshot) =>
        Query("read probabilities", "SELECT s.seq, p.probe, p.data FROM probabilities p JOIN snapshots s ON s.id = p.snapshot_id WHERE s.run_id = $id AND s.seq = $seq ORDER BY p.probe",
            IdSeq(runId, snapshot), r => new ProbeProbabilities(r.GetInt32(1), Blobs.To<float>((byte[])r["data"])) { Snapshot = r.GetInt32(0) }, runId);

    public IReadOnlyList<ChannelWeights> ChannelWeights(long runId, int snapshot) =>
        Query("read channel weights",
            "SELECT s.seq, w.probe, w.target, w.layer, w.data FROM channel_weights w JOIN snapshots s ON s.id = w.snapshot_id WHERE s.run_id = $id AND s.seq = $seq ORDER BY w.target, w.probe",
            IdSeq(runId, snapshot), r => new ChannelWeights(r.GetInt32(1), r.GetString(2), r.GetString(3), Blobs.To<float>((byte[])r["data"])) { Snapshot = r.GetInt32(0) }, runId);

    /// <summary>The first-layer filters at every snapshot, in order.</summary>
    public IReadOnlyList<FilterImage> Filters(long runId) =>
        Query("read filters",
            "SELECT s.seq, s.step, f.layer, f.count, f.channels, f.height, f.width, f.data FROM filters f JOIN snapshots s ON s.id = f.snapshot_id WHERE s.run_id = $id ORDER BY s.seq",
            Id(runId), r => new FilterImage(r.GetString(2), r.GetInt32(3), r.GetInt32(4), r.GetInt32(5), r.GetInt32(6), Blobs.To<float>((byte[])r["data"]))
            { Snapshot = r.GetInt32(0), Step = r.GetInt64(1) }, runId);

    /// <summary>Every layer's statistics at every snapshot, by snapshot then layer in model order.</summary>
    public IReadOnlyList<LayerStatistics> LayerStatistics(long runId) =>
        Query("read layer statistics", """
            SELECT s.seq, s.step, l.layer, l.weight_norm, l.update_ratio, l.grad_norm, l.histogram_min, l.histogram_max, l.histogram
            FROM layer_stats l JOIN snapshots s ON s.id = l.snapshot_id WHERE s.run_id = $id ORDER BY s.seq, l.position
            """, Id(runId), r => new LayerStatistics(r.GetString(2), r.GetDouble(3), NullableDouble(r, 4), NullableDouble(r, 5), r.GetDouble(6), r.GetDouble(7),
                Blobs.To<int>((byte[])r["histogram"])) { Snapshot = r.GetInt32(0), Step = r.GetInt64(1) }, runId);

    public IReadOnlyList<TrustScore> Trust(long runId) =>
        Query("read trust scores",
            "SELECT s.seq, t.method, t.target, t.metric, t.value FROM trust t JOIN snapshots s ON s.id = t.snapshot_id WHERE s.run_id = $id ORDER BY s.seq, t.method, t.target, t.metric",
            Id(runId), r => new TrustScore(r.GetString(1), r.GetString(2), r.GetString(3), r.GetDouble(4)) { Snapshot = r.GetInt32(0) }, runId);

    /// <summary>The validation cube: every validation image at every epoch's end, by epoch.</summary>
    public IReadOnlyList<CubeSlice> Cube(long runId) =>
        Query("read the validation cube", "SELECT epoch, step, dataset_indices, labels, predictions, true_probabilities FROM cube WHERE run_id = $id ORDER BY epoch",
            Id(runId), r => new CubeSlice(r.GetInt32(0), r.GetInt64(1), Blobs.To<int>((byte[])r["dataset_indices"]), Blobs.To<int>((byte[])r["labels"]),
                Blobs.To<int>((byte[])r["predictions"]), Blobs.To<float>((byte[])r["true_probabilities"])), runId);

    public IReadOnlyList<ClassAccuracy> ClassAccuracies(long runId)
    {
        var rows = Query("read class accuracy", "SELECT epoch, class, accuracy FROM class_accuracy WHERE run_id = $id ORDER BY epoch, class", Id(runId),
            r => (epoch: r.GetInt32(0), cls: r.GetInt32(1), accuracy: r.IsDBNull(2) ? double.NaN : r.GetDouble(2)), runId);
        return rows.GroupBy(x => x.epoch).Select(g => new ClassAccuracy(g.Key, g.OrderBy(x => x.cls).Select(x => x.accuracy).ToArray())).ToList();
    }

    public IReadOnlyList<CheckpointRecord> Checkpoints(long runId) =>
        Query("list checkpoints", "SELECT epoch, step, end_of_epoch, path, sha256, bytes, created_utc FROM checkpoints WHERE run_id = $id ORDER BY step, end_of_epoch",
            Id(runId), r => new CheckpointRecord(r.GetInt32(0), r.GetInt64(1), r.GetInt64(2) != 0, r.GetString(3), r.GetString(4), r.GetInt64(5),
                RunWriter.ParseTime(r.GetString(6))), runId);

    /// <summary>
    /// Checks that a checkpoint's model file is the one the store references: throws <see cref="RunStoreException"/>
    /// naming the file when it is missing or its SHA-256 differs (the rest of the run stays readable).
    /// </summary>
    public static void VerifyCheckpoint(CheckpointRecord checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var file = CheckpointHash.ModelFileOf(checkpoint.Path);
        if (!File.Exists(file)) throw new RunStoreException($"{file}: the checkpoint's model file is missing");
        var actual = CheckpointHash.Of(file);
        if (actual != checkpoint.Sha256)
            throw new RunStoreException($"{file}: the checkpoint's SHA-256 is {actual}, but the store recorded {checkpoint.Sha256}: the file changed since it was written; refusing it");
    }

    public void Dispose() => _connection.Dispose();

    private const string RunSelect = """
        SELECT r.id, r.name, r.status, r.message, r.dataset, r.model, r.config, r.class_names, r.epochs_planned, r.checkpoint_dir,
               r.started_utc, r.ended_utc, r.heartbeat_utc, r.owner_pid, r.owner_host, r.change_counter,
               (SELECT count(*) FROM cube c WHERE c.run_id = r.id),
               (SELECT max(value) FROM metrics m WHERE m.run_id = r.id AND m.name = 'val.accuracy'),
               (SELECT count(*) FROM snapshots s WHERE s.run_id = r.id)
        FROM runs r
        """;

    private const string MapSelect = """
        SELECT s.seq, m.probe, m.method, m.target, m.class, m.channels, m.height, m.width, m.offset, m.scale, m.data, m.drift_spearman, m.drift_iou
        FROM maps m JOIN snapshots s ON s.id = m.snapshot_id
        """;

    // Natural-resolution maps have no drift of their own: it is measured on the input-resolution maps.
    private const string NaturalMapSelect = """
        SELECT s.seq, m.probe, m.method, m.target, m.class, m.channels, m.height, m.width, m.offset, m.scale, m.data, NULL, NULL
        FROM natural_maps m JOIN snapshots s ON s.id = m.snapshot_id
        """;

    private static string SelectMaps(MapResolution resolution) => resolution switch
    {
        MapResolution.Input => MapSelect,
        MapResolution.Natural => NaturalMapSelect,
        _ => throw new ArgumentOutOfRangeException(nameof(resolution), $"unknown map resolution {resolution}"),
    };

    private static RunSummary ReadRun(SqliteDataReader r)
    {
        var stored = RunStatusText.Parse(r.GetString(2));
        var pid = r.IsDBNull(13) ? (int?)null : r.GetInt32(13);
        var host = r.IsDBNull(14) ? null : r.GetString(14);
        var heartbeat = RunWriter.ParseTime(r.GetString(12));
        var status = RunLiveness.Effective(stored, pid, host, heartbeat);
        var message = r.IsDBNull(3) ? null : r.GetString(3);
        if (status != stored) message = $"the process that ran it ({pid} on {host}) stopped without ending the run";
        return new RunSummary(r.GetInt64(0), r.GetString(1), status, message, r.GetString(4), r.GetString(5), r.GetString(6),
            JsonSerializer.Deserialize<string[]>(r.GetString(7)) ?? [], r.GetInt32(8), r.GetInt32(16), NullableDouble(r, 17), r.GetInt32(18),
            r.IsDBNull(9) ? null : r.GetString(9), RunWriter.ParseTime(r.GetString(10)), r.IsDBNull(11) ? null : RunWriter.ParseTime(r.GetString(11)),
            heartbeat, pid, host, r.GetInt64(15));
    }

    private static SnapshotInfo ReadSnapshot(SqliteDataReader r) =>
        new(r.GetInt64(0), r.GetInt32(1), r.GetInt64(2), r.GetInt32(3), r.GetString(4), RunWriter.ParseTime(r.GetString(5)), r.GetDouble(6));

    private static StoredMap ReadMap(SqliteDataReader r) =>
        new(r.GetInt32(0), r.GetInt32(1), r.GetString(2), r.GetString(3), r.GetInt32(4), r.GetInt32(5), r.GetInt32(6), r.GetInt32(7), r.GetDouble(8), r.GetDouble(9),
            Blobs.To<ushort>((byte[])r["data"]), NullableDouble(r, 11), NullableDouble(r, 12));

    private static double? NullableDouble(SqliteDataReader r, int column) => r.IsDBNull(column) ? null : r.GetDouble(column);

    private static Action<SqliteCommand> Id(long runId) => c => c.Parameters.AddWithValue("$id", runId);

    private static Action<SqliteCommand> IdSeq(long runId, int seq) => c =>
    {
        c.Parameters.AddWithValue("$id", runId);
        c.Parameters.AddWithValue("$seq", seq);
    };

    // A query about one run: when it returns nothing, a missing run is told apart from an empty result.
    private List<T> Query<T>(string doing, string sql, Action<SqliteCommand>? bind, Func<SqliteDataReader, T> read, long? runId = null)
    {
        return InReadTransaction(doing, transaction =>
        {
            var rows = Query(transaction, sql, bind, read);
            if (rows.Count == 0 && runId is { } id) RequireRun(id, transaction);
            return rows;
        });
    }

    private List<T> Query<T>(SqliteTransaction? transaction, string sql, Action<SqliteCommand>? bind, Func<SqliteDataReader, T> read)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        bind?.Invoke(command);
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read()) rows.Add(read(reader));
        return rows;
    }

    private void RequireRun(long runId, SqliteTransaction transaction)
    {
        var found = Query(transaction, "SELECT 1 FROM runs WHERE id = $id", Id(runId), r => r.GetInt64(0));
        if (found.Count == 0) throw new RunNotFoundException($"{Path}: no run {runId} in this store");
    }

    private T InReadTransaction<T>(string doing, Func<SqliteTransaction, T> work)
    {
        try
        {
            // Deferred: a read lock only, so readers never wait on each other or on the writer (WAL).
            using var transaction = _connection.BeginTransaction(deferred: true);
            var result = work(transaction);
            transaction.Commit();
            return result;
        }
        catch (SqliteException e)
        {
            throw StoreFile.Translate(e, Path, doing);
        }
    }
}
