using System.Text;
using Microsoft.Data.Sqlite;

namespace CnnVis.Monitor.Store;

/// <summary>
/// Opens a store file for the writer or a reader: refuses a file that is not SQLite, a SQLite database that is not a
/// CnnVis store, and a store written by a newer CnnVis; brings an older store up to date with the migrations, except
/// when opened read-only (a dashboard viewing a store must not change it): then an older store is refused, saying how
/// to upgrade it.
/// </summary>
internal static class StoreFile
{
    /// <summary>How long a connection waits for another process's lock before it gives up.</summary>
    public const int BusyTimeoutMilliseconds = 30_000;

    private static readonly byte[] s_header = Encoding.ASCII.GetBytes("SQLite format 3\0");

    public static SqliteConnection Open(string path, bool writer, bool readOnly = false)
    {
        if (writer && readOnly) throw new ArgumentException("a store opened for writing cannot be read-only", nameof(readOnly));
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        var exists = File.Exists(full);
        if (exists) CheckHeader(full);
        else if (Directory.Exists(full)) throw new RunStoreException($"{path} is a folder, not a run store file");
        else if (!writer) throw new RunStoreException($"{path}: no run store there (it is created by `cnnvis train --monitor`)");
        else
        {
            var directory = Path.GetDirectoryName(full)!;
            try
            {
                Directory.CreateDirectory(directory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new RunStoreException($"{path}: cannot create the run store's folder {directory}: {e.Message}", e);
            }
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = writer ? SqliteOpenMode.ReadWriteCreate : readOnly ? SqliteOpenMode.ReadOnly : SqliteOpenMode.ReadWrite,
            Pooling = false,
            DefaultTimeout = BusyTimeoutMilliseconds / 1000,
        }.ToString());
        try
        {
            connection.Open();
            Execute(connection, readOnly ? $"PRAGMA busy_timeout = {BusyTimeoutMilliseconds};" : $"PRAGMA busy_timeout = {BusyTimeoutMilliseconds}; PRAGMA foreign_keys = ON;");
            // One read transaction, so the version and the tables are read from one state of the file, even while
            // another process is creating the store.
            int version;
            bool hasTables, isCnnVis;
            using (var look = connection.BeginTransaction(deferred: true))
            {
                version = Version(connection, look);
                hasTables = HasTables(connection, look);
                isCnnVis = version > 0 && IsCnnVisStore(connection, look);
                look.Commit();
            }
            if (version > StoreSchema.CurrentVersion)
            {
                throw new RunStoreException(
                    $"{path} was written by a newer CnnVis: its store schema is version {version}, and this CnnVis reads versions up to {StoreSchema.CurrentVersion}. Open it with a newer CnnVis.");
            }
            if (version == 0 && hasTables)
                throw new RunStoreException($"{path} is a SQLite database but not a CnnVis run store (it has tables of its own and no CnnVis schema)");
            if (version > 0 && !isCnnVis)
                throw new RunStoreException($"{path} is a SQLite database but not a CnnVis run store (its store_info does not name CnnVis)");
            if (version == 0 && !writer) throw new RunStoreException($"{path} is an empty database, not a CnnVis run store");
            if (writer)
            {
                // WAL lets readers in other processes read while the trainer writes; NORMAL is durable at checkpoints
                // and never corrupts on a crash, which is what a run store needs.
                Execute(connection, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
            }
            if (version < StoreSchema.CurrentVersion && readOnly)
            {
                throw new RunStoreException(
                    $"{path} was written by an older CnnVis: its store schema is version {version}, and this CnnVis reads version {StoreSchema.CurrentVersion}. It is opened read-only here, so it is not upgraded; upgrade it once with `cnnvis runs --store {path}`.");
            }
            if (version < StoreSchema.CurrentVersion) Migrate(connection);
            return connection;
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            if (writer && e.SqliteErrorCode is 8 or 14 && !IsWritable(Path.GetDirectoryName(full)!))
            {
                throw new RunStoreException(
                    $"{path}: the folder {Path.GetDirectoryName(full)} is read-only, so the run store cannot be {(exists ? "written (SQLite keeps its write-ahead log beside it)" : "created")}; give it a writable folder with --store", e);
            }
            throw Translate(e, path, "open");
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public static int Version(SqliteConnection connection, SqliteTransaction? transaction = null) =>
        Convert.ToInt32(Scalar(connection, "PRAGMA user_version", transaction));

    /// <summary>A SQLite error as a store error that names the store and what was being done.</summary>
    public static RunStoreException Translate(SqliteException e, string path, string doing) => e.SqliteErrorCode switch
    {
        13 => new RunStoreFullException($"{path}: the run store is full (no space left on the disk, or its size limit reached): could not {doing}; nothing of it was written", e),
        26 => new RunStoreException($"{path} is not a SQLite database, so it is not a CnnVis run store", e),
        8 => new RunStoreException($"{path}: the run store is read-only here (check the permissions of the file and its folder): could not {doing}", e),
        14 => new RunStoreException($"{path}: cannot open the run store file (check that its folder exists and is writable): could not {doing}", e),
        5 or 6 => new RunStoreException($"{path}: the run store stayed locked by another process for {BusyTimeoutMilliseconds / 1000} s: could not {doing}", e),
        _ => new RunStoreException($"{path}: could not {doing}: {e.Message}", e),
    };

    private static void CheckHeader(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        // An empty file is an empty SQLite database; anything else must start with SQLite's header.
        if (stream.Length == 0) return;
        var header = new byte[s_header.Length];
        var read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        if (read < header.Length || !header.AsSpan().SequenceEqual(s_header))
            throw new RunStoreException($"{path} is not a SQLite database, so it is not a CnnVis run store");
    }

    // Whether a file can be made in the folder: the only sure test (permissions do not tell for root or read-only mounts).
    private static bool IsWritable(string directory)
    {
        var probe = Path.Combine(directory, $".cnnvis-write-test-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using (File.Create(probe, 1, FileOptions.DeleteOnClose)) { }
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool HasTables(SqliteConnection connection, SqliteTransaction transaction) =>
        Convert.ToInt64(Scalar(connection, "SELECT count(*) FROM sqlite_master WHERE type = 'table'", transaction)) > 0;

    private static bool IsCnnVisStore(SqliteConnection connection, SqliteTransaction transaction)
    {
        if (Convert.ToInt64(Scalar(connection, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'store_info'", transaction)) == 0) return false;
        return Scalar(connection, "SELECT value FROM store_info WHERE key = 'application'", transaction) as string == StoreSchema.Application;
    }

    private static void Migrate(SqliteConnection connection)
    {
        // IMMEDIATE takes the write lock first, so two processes opening an old store migrate it once.
        using var transaction = connection.BeginTransaction(deferred: false);
        var version = Version(connection, transaction);
        for (var next = version + 1; next <= StoreSchema.CurrentVersion; next++)
        {
            Execute(connection, StoreSchema.Migrations[next - 1], transaction);
            Execute(connection, $"PRAGMA user_version = {next}", transaction);
        }
        transaction.Commit();
    }

    public static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        command.ExecuteNonQuery();
    }

    public static object? Scalar(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command.ExecuteScalar();
    }
}
