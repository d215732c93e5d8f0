using System.Globalization;
using System.Text.Json;
using CnnVis.Training.Loop;
using Microsoft.Data.Sqlite;

namespace CnnVis.Monitor.Store;

/// <summary>
/// The one type that writes the run store. Every method is one transaction, so a process killed at any moment
/// leaves each record whole or absent. A run is owned by the process that created or claimed it; its heartbeat
/// (and the owner's process id) let readers tell a dead run from a running one.
/// </summary>
public sealed class RunWriter : IDisposable
{
    private readonly SqliteConnection _connection;

    private RunWriter(string path, SqliteConnection connection)
    {
        Path = path;
        _connection = connection;
    }

    public string Path { get; }

    /// <summary>Opens (or creates) the store at <paramref name="path"/> for writing.</summary>
    public static RunWriter Open(string path) => new(path, StoreFile.Open(path, writer: true));

    /// <summary>
    /// Limits the database to this many pages (SQLite's <c>max_page_count</c>): a store that must not outgrow a
    /// quota; the tests use it to fill the "disk".
    /// </summary>
    public void LimitPages(long pages) => Run("limit the store's size", () => StoreFile.Execute(_connection, $"PRAGMA max_page_count = {pages}"));

    /// <summary>Starts a run owned by this process; returns its id.</summary>
    public long CreateRun(RunDescription description)
    {
        ArgumentNullException.ThrowIfNull(description);
        return InTransaction("create a run", transaction =>
        {
            var now = Now();
            using var command = Command(transaction, """
                INSERT INTO runs (name, status, dataset, model, config, class_names, epochs_planned, checkpoint_dir, started_utc, heartbeat_utc, owner_pid, owner_host)
                VALUES ($name, 'running', $dataset, $model, $config, $classes, $epochs, $dir, $now, $now, $pid, $host) RETURNING id
                """);
            command.Parameters.AddWithValue("$name", description.Name);
            command.Parameters.AddWithValue("$dataset", description.Dataset);
            command.Parameters.AddWithValue("$model", description.Model);
            command.Parameters.AddWithValue("$config", description.Configuration);
            command.Parameters.AddWithValue("$classes", JsonSerializer.Serialize(description.ClassNames));
            command.Parameters.AddWithValue("$epochs", description.EpochsPlanned);
            command.Parameters.AddWithValue("$dir", (object?)description.CheckpointDirectory ?? DBNull.Value);
            command.Parameters.AddWithValue("$now", now);
            command.Parameters.AddWithValue("$pid", Environment.ProcessId);
            command.Parameters.AddWithValue("$host", Environment.MachineName);
            return Convert.ToInt64(command.ExecuteScalar());
        });
    }

    /// <summary>
    /// Takes over a run to continue it from the checkpoint at <paramref name="fromStep"/> (a resume): refused while
    /// another live process owns it, so two trainers never interleave one run's records. What the run recorded
    /// after that step belonged to the lost part of it and is removed. Returns the run's probes.
    /// </summary>
    public IReadOnlyList<ProbeRecord> ClaimRun(long runId, long fromStep = long.MaxValue) => InTransaction($"continue run {runId}", transaction =>
    {
        using (var read = Command(transaction, "SELECT status, owner_pid, owner_host, heartbeat_utc FROM runs WHERE id = $id"))
        {
            read.Parameters.AddWithValue("$id", runId);
            using var reader = read.ExecuteReader();
            if (!reader.Read()) throw new RunNotFoundException($"{Path}: no run {runId} in this store");
            var status = RunStatusText.Parse(reader.GetString(0));
            var pid = reader.IsDBNull(1) ? (int?)null : reader.GetInt32(1);
            var host = reader.IsDBNull(2) ? null : reader.GetString(2);
            var heartbeat = ParseTime(reader.GetString(3));
            if (RunLiveness.Effective(status, pid, host, heartbeat) == RunStatus.Running && pid != Environment.ProcessId)
                throw new RunStoreException($"{Path}: run {runId} is being written by process {pid} on {host}: a run has one writer at a time");
        }
        foreach (var table in new[] { "snapshots", "skipped_snapshots", "metrics", "cube" })
        {
            using var prune = Command(transaction, $"DELETE FROM {table} WHERE run_id = $id AND step > $step");
            Set(Parameters(prune, "$id", "$step"), runId, fromStep);
            prune.ExecuteNonQuery();
        }
        using (var prune = Command(transaction, "DELETE FROM probes WHERE run_id = $id AND added_at_step > $step"))
        {
            Set(Parameters(prune, "$id", "$step"), runId, fromStep);
            prune.ExecuteNonQuery();
        }
        using (var claim = Command(transaction,
            "UPDATE runs SET status = 'running', message = NULL, ended_utc = NULL, heartbeat_utc = $now, owner_pid = $pid, owner_host = $host, change_counter = change_counter + 1 WHERE id = $id"))
        {
            Set(Parameters(claim, "$now", "$pid", "$host", "$id"), Now(), Environment.ProcessId, Environment.MachineName, runId);
            claim.ExecuteNonQuery();
        }
        using var probes = Command(transaction, "SELECT probe, dataset_index, label, kind, added_at_step, channels, height, width, image FROM probes WHERE run_id = $id ORDER BY probe");
        probes.Parameters.AddWithValue("$id", runId);
        using var rows = probes.ExecuteReader();
        var list = new List<ProbeRecord>();
        while (rows.Read())
            list.Add(new ProbeRecord(rows.GetInt32(0), rows.GetInt32(1), rows.GetInt32(2), rows.GetString(3), rows.GetInt64(4), rows.GetInt32(5), rows.GetInt32(6), rows.GetInt32(7), (byte[])rows["image"]));
        return (IReadOnlyList<ProbeRecord>)list;
    });

    /// <summary>The newest run whose checkpoints go to <paramref name="checkpointDirectory"/> (where a resume finds its run), or null.</summary>
    public long? FindRunByCheckpointDirectory(string checkpointDirectory) => InTransaction("find a run by its checkpoint folder", transaction =>
    {
        using var command = Command(transaction, "SELECT id FROM runs WHERE checkpoint_dir = $dir ORDER BY id DESC LIMIT 1");
        command.Parameters.AddWithValue("$dir", checkpointDirectory);
        return command.ExecuteScalar() is { } id ? Convert.ToInt64(id) : (long?)null;
    });

    /// <summary>Says the run's owner is alive (every write does too).</summary>
    public void Heartbeat(long runId) => InTransaction("record a heartbeat", transaction =>
    {
        Touch(transaction, runId);
        return 0;
    });

    public void AddProbes(long runId, IReadOnlyList<ProbeRecord> probes)
    {
        ArgumentNullException.ThrowIfNull(probes);
        InTransaction($"store the probes of run {runId}", transaction =>
        {
            Touch(transaction, runId);
            using var command = Command(transaction, """
                INSERT INTO probes (run_id, probe, dataset_index, label, kind, added_at_step, channels, height, width, image)
                VALUES ($run, $probe, $index, $label, $kind, $step, $c, $h, $w, $image)
                """);
            var p = Parameters(command, "$run", "$probe", "$index", "$label", "$kind", "$step", "$c", "$h", "$w", "$image");
            foreach (var probe in probes)
            {
                Set(p, runId, probe.Probe, probe.DatasetIndex, probe.Label, probe.Kind, probe.AddedAtStep, probe.Channels, probe.Height, probe.Width, probe.Image);
                command.ExecuteNonQuery();
            }
            return 0;
        });
    }

    /// <summary>Writes a whole snapshot in one transaction; returns its sequence number in the run (0 for the first).</summary>
    public int WriteSnapshot(long runId, SnapshotRecord snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return InTransaction($"write a snapshot of run {runId} at step {snapshot.Step}", transaction =>
        {
            Touch(transaction, runId);
            int sequence;
            long id;
            using (var insert = Command(transaction, """
                INSERT INTO snapshots (run_id, seq, step, epoch, reason, created_utc, cost_ms)
                VALUES ($run, (SELECT coalesce(max(seq) + 1, 0) FROM snapshots WHERE run_id = $run), $step, $epoch, $reason, $now, $cost)
                RETURNING id, seq
                """))
            {
                Set(Parameters(insert, "$run", "$step", "$epoch", "$reason", "$now", "$cost"),
                    runId, snapshot.Step, snapshot.Epoch, snapshot.Reason, Now(), snapshot.CostMilliseconds);
                using var reader = insert.ExecuteReader();
                reader.Read();
                (id, sequence) = (reader.GetInt64(0), reader.GetInt32(1));
            }

            using (var maps = Command(transaction, """
                INSERT INTO maps (snapshot_id, probe, method, target, class, channels, height, width, offset, scale, data, drift_spearman, drift_iou)
                VALUES ($s, $probe, $method, $target, $class, $c, $h, $w, $offset, $scale, $data, $rho, $iou)
                """))
            {
                var p = Parameters(maps, "$s", "$probe", "$method", "$target", "$class", "$c", "$h", "$w", "$offset", "$scale", "$data", "$rho", "$iou");
                foreach (var map in snapshot.Maps)
                {
                    if (map.Values.Length != map.Channels * map.Height * map.Width)
                        throw new ArgumentException($"map of probe {map.Probe} ({map.Method}, {map.Target}) has {map.Values.Length} values for shape {map.Channels}x{map.Height}x{map.Width}");
                    var (offset, scale, codes) = MapQuantizer.Encode(map.Values);
                    Set(p, id, map.Probe, map.Method, map.Target, map.Class, map.Channels, map.Height, map.Width, offset, scale, Blobs.Of(codes),
                        map.DriftSpearman, map.DriftIou);
                    maps.ExecuteNonQuery();
                }
            }
            TestPause.At(TestPause.SnapshotWrite);
            if (snapshot.Maps.Any(m => m.Natural is not null))
            {
                using var naturals = Command(transaction, """
                    INSERT INTO natural_maps (snapshot_id, probe, method, target, class, channels, height, width, offset, scale, data)
                    VALUES ($s, $probe, $method, $target, $class, 1, $h, $w, $offset, $scale, $data)
                    """);
                var p = Parameters(naturals, "$s", "$probe", "$method", "$target", "$class", "$h", "$w", "$offset", "$scale", "$data");
                foreach (var map in snapshot.Maps)
                {
                    if (map.Natural is not { } natural) continue;
                    if (natural.Values.Length != natural.Height * natural.Width)
                        throw new ArgumentException($"natural-resolution map of probe {map.Probe} ({map.Method}, {map.Target}) has {natural.Values.Length} values for shape {natural.Height}x{natural.Width}");
                    var (offset, scale, codes) = MapQuantizer.Encode(natural.Values);
                    Set(p, id, map.Probe, map.Method, map.Target, map.Class, natural.Height, natural.Width, offset, scale, Blobs.Of(codes));
                    naturals.ExecuteNonQuery();
                }
            }
            using (var probabilities = Command(transaction, "INSERT INTO probabilities (snapshot_id, probe, data) VALUES ($s, $probe, $data)"))
            {
                var p = Parameters(probabilities, "$s", "$probe", "$data");
                foreach (var row in snapshot.Probabilities)
                {
                    Set(p, id, row.Probe, Blobs.Of(row.Probabilities));
                    probabilities.ExecuteNonQuery();
                }
            }
            using (var weights = Command(transaction, "INSERT INTO channel_weights (snapshot_id, probe, target, layer, data) VALUES ($s, $probe, $target, $layer, $data)"))
            {
                var p = Parameters(weights, "$s", "$probe", "$target", "$layer", "$data");
                foreach (var row in snapshot.ChannelWeights)
                {
                    Set(p, id, row.Probe, row.Target, row.Layer, Blobs.Of(row.Weights));
                    weights.ExecuteNonQuery();
                }
            }
            if (snapshot.Filters is { } f)
            {
                if (f.Weights.Length != f.Count * f.Channels * f.Height * f.Width)
                    throw new ArgumentException($"filters of layer {f.Layer} hold {f.Weights.Length} values for shape {f.Count}x{f.Channels}x{f.Height}x{f.Width}");
                using var filters = Command(transaction, "INSERT INTO filters (snapshot_id, layer, count, channels, height, width, data) VALUES ($s, $layer, $n, $c, $h, $w, $data)");
                Set(Parameters(filters, "$s", "$layer", "$n", "$c", "$h", "$w", "$data"), id, f.Layer, f.Count, f.Channels, f.Height, f.Width, Blobs.Of(f.Weights));
                filters.ExecuteNonQuery();
            }
            using (var layers = Command(transaction, """
                INSERT INTO layer_stats (snapshot_id, layer, position, weight_norm, update_ratio, grad_norm, histogram_min, histogram_max, histogram)
                VALUES ($s, $layer, $position, $norm, $ratio, $grad, $min, $max, $histogram)
                """))
            {
                var p = Parameters(layers, "$s", "$layer", "$position", "$norm", "$ratio", "$grad", "$min", "$max", "$histogram");
                var position = 0;
                foreach (var l in snapshot.Layers)
                {
                    Set(p, id, l.Layer, position++, l.WeightNorm, l.UpdateRatio, l.GradientNorm, l.HistogramMin, l.HistogramMax, Blobs.Of(l.Histogram));
                    layers.ExecuteNonQuery();
                }
            }
            using (var trust = Command(transaction, "INSERT INTO trust (snapshot_id, method, target, metric, value) VALUES ($s, $method, $target, $metric, $value)"))
            {
                var p = Parameters(trust, "$s", "$method", "$target", "$metric", "$value");
                foreach (var t in snapshot.Trust)
                {
                    Set(p, id, t.Method, t.Target, t.Metric, t.Value);
                    trust.ExecuteNonQuery();
                }
            }
            return sequence;
        });
    }

    /// <summary>Records that a planned snapshot was not taken, and why.</summary>
    public void RecordSkippedSnapshot(long runId, long step, int epoch, string reason) => InTransaction("record a skipped snapshot", transaction =>
    {
        Touch(transaction, runId);
        using var command = Command(transaction, "INSERT INTO skipped_snapshots (run_id, step, epoch, reason, created_utc) VALUES ($run, $step, $epoch, $reason, $now)");
        Set(Parameters(command, "$run", "$step", "$epoch", "$reason", "$now"), runId, step, epoch, reason, Now());
        command.ExecuteNonQuery();
        return 0;
    });

    /// <summary>Adds metric values (a value already stored for the same name and step is replaced: a resumed run repeats steps).</summary>
    public void AddMetrics(long runId, IReadOnlyList<MetricPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        InTransaction($"store metrics of run {runId}", transaction =>
        {
            Touch(transaction, runId);
            InsertMetrics(transaction, runId, points);
            return 0;
        });
    }

    /// <summary>The end of an epoch: the validation cube, the epoch's metrics and per-class accuracy, in one transaction.</summary>
    public void WriteEpoch(long runId, EpochRecord epoch)
    {
        ArgumentNullException.ThrowIfNull(epoch);
        var cube = epoch.Cube;
        if (cube.Labels.Length != cube.Count || cube.Predictions.Length != cube.Count || cube.TrueClassProbabilities.Length != cube.Count)
            throw new ArgumentException($"the validation cube of epoch {cube.Epoch} has arrays of different lengths");
        InTransaction($"store epoch {cube.Epoch} of run {runId}", transaction =>
        {
            Touch(transaction, runId);
            using (var command = Command(transaction, """
                INSERT OR REPLACE INTO cube (run_id, epoch, step, dataset_indices, labels, predictions, true_probabilities)
                VALUES ($run, $epoch, $step, $indices, $labels, $predictions, $probabilities)
                """))
            {
                Set(Parameters(command, "$run", "$epoch", "$step", "$indices", "$labels", "$predictions", "$probabilities"),
                    runId, cube.Epoch, cube.Step, Blobs.Of(cube.DatasetIndices), Blobs.Of(cube.Labels), Blobs.Of(cube.Predictions), Blobs.Of(cube.TrueClassProbabilities));
                command.ExecuteNonQuery();
            }
            using (var command = Command(transaction, "INSERT OR REPLACE INTO class_accuracy (run_id, epoch, class, accuracy) VALUES ($run, $epoch, $class, $accuracy)"))
            {
                var p = Parameters(command, "$run", "$epoch", "$class", "$accuracy");
                for (var c = 0; c < epoch.ClassAccuracies.Length; c++)
                {
                    var a = epoch.ClassAccuracies[c];
                    Set(p, runId, cube.Epoch, c, double.IsNaN(a) ? null : a);
                    command.ExecuteNonQuery();
                }
            }
            InsertMetrics(transaction, runId, epoch.Metrics);
            return 0;
        });
    }

    public void AddCheckpoint(long runId, CheckpointRecord checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        InTransaction($"reference a checkpoint of run {runId}", transaction =>
        {
            Touch(transaction, runId);
            using var command = Command(transaction, """
                INSERT OR REPLACE INTO checkpoints (run_id, epoch, step, end_of_epoch, path, sha256, bytes, created_utc)
                VALUES ($run, $epoch, $step, $end, $path, $sha, $bytes, $created)
                """);
            Set(Parameters(command, "$run", "$epoch", "$step", "$end", "$path", "$sha", "$bytes", "$created"), runId, checkpoint.Epoch, checkpoint.Step,
                checkpoint.EndOfEpoch ? 1 : 0, checkpoint.Path, checkpoint.Sha256, checkpoint.Bytes, Format(checkpoint.CreatedUtc));
            command.ExecuteNonQuery();
            return 0;
        });
    }

    /// <summary>Marks the run finished, interrupted or failed, with a message (the failure's, for a failed run).</summary>
    public void EndRun(long runId, RunStatus status, string? message)
    {
        if (status == RunStatus.Running) throw new ArgumentException("a run ends finished, interrupted or failed, not running", nameof(status));
        InTransaction($"end run {runId}", transaction =>
        {
            using var command = Command(transaction,
                "UPDATE runs SET status = $status, message = $message, ended_utc = $now, heartbeat_utc = $now, change_counter = change_counter + 1 WHERE id = $run");
            Set(Parameters(command, "$status", "$message", "$now", "$run"), RunStatusText.Of(status), message, Now(), runId);
            if (command.ExecuteNonQuery() == 0) throw new RunNotFoundException($"{Path}: no run {runId} in this store");
            return 0;
        });
    }

    /// <summary>
    /// Deletes a run and everything stored for it, then the checkpoint folders the store references for it (and
    /// the folders holding them, once empty; nothing else on disk). Refused while the run is being written.
    /// Returns the checkpoint folders deleted.
    /// </summary>
    public IReadOnlyList<string> DeleteRun(long runId)
    {
        var folders = new List<string>();
        InTransaction($"delete run {runId}", transaction =>
        {
            using (var read = Command(transaction, "SELECT status, owner_pid, owner_host, heartbeat_utc FROM runs WHERE id = $id"))
            {
                read.Parameters.AddWithValue("$id", runId);
                using var reader = read.ExecuteReader();
                if (!reader.Read()) throw new RunNotFoundException($"{Path}: no run {runId} in this store");
                var pid = reader.IsDBNull(1) ? (int?)null : reader.GetInt32(1);
                var status = RunLiveness.Effective(RunStatusText.Parse(reader.GetString(0)), pid, reader.IsDBNull(2) ? null : reader.GetString(2), ParseTime(reader.GetString(3)));
                if (status == RunStatus.Running && pid != Environment.ProcessId)
                    throw new RunStoreException($"{Path}: run {runId} is still being written by process {pid}; stop it before deleting it");
            }
            using (var read = Command(transaction, "SELECT path FROM checkpoints WHERE run_id = $id"))
            {
                read.Parameters.AddWithValue("$id", runId);
                using var reader = read.ExecuteReader();
                while (reader.Read()) folders.Add(reader.GetString(0));
            }
            using var delete = Command(transaction, "DELETE FROM runs WHERE id = $id");
            delete.Parameters.AddWithValue("$id", runId);
            delete.ExecuteNonQuery();
            return 0;
        });
        // Files go only once the rows are gone for good.
        var deleted = new List<string>();
        foreach (var folder in folders.Distinct())
        {
            if (!Directory.Exists(folder)) continue;
            Directory.Delete(folder, recursive: true);
            deleted.Add(folder);
        }
        foreach (var parent in folders.Select(f => System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(f))).Distinct())
        {
            // The checkpoints folder, then the run folder, if this run was all they held.
            var dir = parent;
            for (var k = 0; k < 2 && dir is not null && Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any(); k++)
            {
                Directory.Delete(dir);
                dir = System.IO.Path.GetDirectoryName(dir);
            }
        }
        return deleted;
    }

    public void Dispose() => _connection.Dispose();

    private void InsertMetrics(SqliteTransaction transaction, long runId, IReadOnlyList<MetricPoint> points)
    {
        using var command = Command(transaction, "INSERT OR REPLACE INTO metrics (run_id, name, step, epoch, value) VALUES ($run, $name, $step, $epoch, $value)");
        var p = Parameters(command, "$run", "$name", "$step", "$epoch", "$value");
        foreach (var point in points)
        {
            Set(p, runId, point.Name, point.Step, point.Epoch, point.Value);
            command.ExecuteNonQuery();
        }
    }

    // Every write says the owner is alive and bumps the run's change counter, which readers poll cheaply.
    private void Touch(SqliteTransaction transaction, long runId)
    {
        using var command = Command(transaction, "UPDATE runs SET heartbeat_utc = $now, change_counter = change_counter + 1 WHERE id = $run");
        Set(Parameters(command, "$now", "$run"), Now(), runId);
        if (command.ExecuteNonQuery() == 0) throw new RunNotFoundException($"{Path}: no run {runId} in this store");
    }

    private T InTransaction<T>(string doing, Func<SqliteTransaction, T> work)
    {
        try
        {
            // IMMEDIATE: the write lock is taken up front, so a reader's snapshot never blocks a half-done write.
            using var transaction = _connection.BeginTransaction(deferred: false);
            var result = work(transaction);
            transaction.Commit();
            return result;
        }
        catch (SqliteException e)
        {
            throw StoreFile.Translate(e, Path, doing);
        }
    }

    private void Run(string doing, Action action)
    {
        try
        {
            action();
        }
        catch (SqliteException e)
        {
            throw StoreFile.Translate(e, Path, doing);
        }
    }

    private SqliteCommand Command(SqliteTransaction transaction, string sql)
    {
        var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    private static SqliteParameter[] Parameters(SqliteCommand command, params string[] names)
    {
        var parameters = names.Select(n => command.Parameters.Add(new SqliteParameter { ParameterName = n })).ToArray();
        // Prepared once, bound many times within the transaction.
        command.Prepare();
        return parameters;
    }

    private static void Set(SqliteParameter[] parameters, params object?[] values)
    {
        for (var k = 0; k < parameters.Length; k++) parameters[k].Value = values[k] ?? DBNull.Value;
    }

    internal static string Now() => Format(DateTime.UtcNow);

    internal static string Format(DateTime time) => time.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    internal static DateTime ParseTime(string text) => DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind).ToUniversalTime();
}
