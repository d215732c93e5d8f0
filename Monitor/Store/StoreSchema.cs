namespace CnnVis.Monitor.Store;

/// <summary>
/// The store's schema as numbered migrations: migration k takes a store from version k - 1 to k, and
/// <c>PRAGMA user_version</c> says which was applied last. A migration is only ever appended, never edited.
/// </summary>
internal static class StoreSchema
{
    /// <summary>What <c>store_info.application</c> holds in every CnnVis store, so a stranger's database is told apart.</summary>
    public const string Application = "cnnvis-run-store";

    public static readonly string[] Migrations =
    [
        // 1: runs, probes, snapshots and everything a snapshot holds, per-step metrics, the validation cube, checkpoints.
        """
        CREATE TABLE store_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'interrupted', 'failed')),
            message TEXT,
            dataset TEXT NOT NULL,
            model TEXT NOT NULL,
            config TEXT NOT NULL,
            class_names TEXT NOT NULL,
            epochs_planned INTEGER NOT NULL,
            checkpoint_dir TEXT,
            started_utc TEXT NOT NULL,
            ended_utc TEXT,
            heartbeat_utc TEXT NOT NULL,
            owner_pid INTEGER,
            owner_host TEXT,
            change_counter INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE probes (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            probe INTEGER NOT NULL,
            dataset_index INTEGER NOT NULL,
            label INTEGER NOT NULL,
            kind TEXT NOT NULL,
            added_at_step INTEGER NOT NULL,
            channels INTEGER NOT NULL,
            height INTEGER NOT NULL,
            width INTEGER NOT NULL,
            image BLOB NOT NULL,
            PRIMARY KEY (run_id, probe)
        );
        CREATE TABLE snapshots (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            step INTEGER NOT NULL,
            epoch INTEGER NOT NULL,
            reason TEXT NOT NULL,
            created_utc TEXT NOT NULL,
            cost_ms REAL NOT NULL,
            UNIQUE (run_id, seq)
        );
        CREATE TABLE skipped_snapshots (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            step INTEGER NOT NULL,
            epoch INTEGER NOT NULL,
            reason TEXT NOT NULL,
            created_utc TEXT NOT NULL
        );
        CREATE INDEX skipped_by_run ON skipped_snapshots (run_id, step);
        CREATE TABLE maps (
            snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
            probe INTEGER NOT NULL,
            method TEXT NOT NULL,
            target TEXT NOT NULL,
            class INTEGER NOT NULL,
            channels INTEGER NOT NULL,
            height INTEGER NOT NULL,
            width INTEGER NOT NULL,
            offset REAL NOT NULL,
            scale REAL NOT NULL,
            data BLOB NOT NULL,
            drift_spearman REAL,
            drift_iou REAL,
            PRIMARY KEY (snapshot_id, method, target, probe)
        );
        CREATE TABLE probabilities (
            snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
            probe INTEGER NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY (snapshot_id, probe)
        );
        CREATE TABLE channel_weights (
            snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
            probe INTEGER NOT NULL,
            target TEXT NOT NULL,
            layer TEXT NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY (snapshot_id, target, probe)
        );
        CREATE TABLE filters (
            snapshot_id INTEGER PRIMARY KEY REFERENCES snapshots(id) ON DELETE CASCADE,
            layer TEXT NOT NULL,
            count INTEGER NOT NULL,
            channels INTEGER NOT NULL,
            height INTEGER NOT NULL,
            width INTEGER NOT NULL,
            data BLOB NOT NULL
        );
        CREATE TABLE layer_stats (
            snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
            layer TEXT NOT NULL,
            position INTEGER NOT NULL,
            weight_norm REAL NOT NULL,
            update_ratio REAL,
            grad_norm REAL,
            histogram_min REAL NOT NULL,
            histogram_max REAL NOT NULL,
            histogram BLOB NOT NULL,
            PRIMARY KEY (snapshot_id, layer)
        );
        CREATE TABLE trust (
            snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
            method TEXT NOT NULL,
            target TEXT NOT NULL,
            metric TEXT NOT NULL,
            value REAL NOT NULL,
            PRIMARY KEY (snapshot_id, method, target, metric)
        );
        CREATE TABLE metrics (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            step INTEGER NOT NULL,
            epoch INTEGER NOT NULL,
            value REAL NOT NULL,
            PRIMARY KEY (run_id, name, step)
        );
        CREATE TABLE class_accuracy (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            epoch INTEGER NOT NULL,
            class INTEGER NOT NULL,
            accuracy REAL,
            PRIMARY KEY (run_id, epoch, class)
        );
        CREATE TABLE cube (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            epoch INTEGER NOT NULL,
            step INTEGER NOT NULL,
            dataset_indices BLOB NOT NULL,
            labels BLOB NOT NULL,
            predictions BLOB NOT NULL,
            true_probabilities BLOB NOT NULL,
            PRIMARY KEY (run_id, epoch)
        );
        CREATE TABLE checkpoints (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            epoch INTEGER NOT NULL,
            step INTEGER NOT NULL,
            end_of_epoch INTEGER NOT NULL,
            path TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            bytes INTEGER NOT NULL,
            created_utc TEXT NOT NULL,
            PRIMARY KEY (run_id, step, end_of_epoch)
        );
        INSERT INTO store_info (key, value) VALUES ('application', 'cnnvis-run-store');
        """,
        // 2: maps at the method's natural resolution (a CAM's feature-map grid) beside those at input resolution.
        """
        CREATE TABLE natural_maps (
            snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
            probe INTEGER NOT NULL,
            method TEXT NOT NULL,
            target TEXT NOT NULL,
            class INTEGER NOT NULL,
            channels INTEGER NOT NULL,
            height INTEGER NOT NULL,
            width INTEGER NOT NULL,
            offset REAL NOT NULL,
            scale REAL NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY (snapshot_id, method, target, probe)
        );
        """,
    ];

    public static int CurrentVersion => Migrations.Length;
}
