using Microsoft.Data.Sqlite;

namespace CnnVis.Bench;

/// <summary>Folds a store's write-ahead log into the database file, so the file's size is the store's size.</summary>
internal static class SqliteFiles
{
    public static void Checkpoint(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
        command.ExecuteNonQuery();
    }
}
