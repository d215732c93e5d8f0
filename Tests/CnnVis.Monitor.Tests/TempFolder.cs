namespace CnnVis.Monitor.Tests;

/// <summary>A folder of its own per test, deleted afterwards.</summary>
public abstract class TempFolder : IDisposable
{
    protected TempFolder() => Folder = Directory.CreateTempSubdirectory("cnnvis-monitor-").FullName;

    protected string Folder { get; }

    protected string StorePath => Path.Combine(Folder, "runs", "cnnvis.db");

    public virtual void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(Folder, recursive: true);
    }
}
