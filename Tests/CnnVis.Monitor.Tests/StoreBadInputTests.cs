using System.Diagnostics;
using CnnVis.Monitor.Store;
using Microsoft.Data.Sqlite;

namespace CnnVis.Monitor.Tests;

public sealed class StoreBadInputTests : TempFolder
{
    private void Sql(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={StorePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private long Scalar(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={StorePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar());
    }

    [Fact]
    public void AStoreFromANewerSchemaIsRefusedNamingBothVersions()
    {
        using (var writer = RunWriter.Open(StorePath)) writer.CreateRun(StoreSamples.Run());
        Sql("PRAGMA user_version = 99");
        var expected = $"{StorePath} was written by a newer CnnVis: its store schema is version 99, and this CnnVis reads versions up to 2. Open it with a newer CnnVis.";
        Assert.Equal(expected, Assert.Throws<RunStoreException>(() => RunReader.Open(StorePath)).Message);
        Assert.Equal(expected, Assert.Throws<RunStoreException>(() => RunWriter.Open(StorePath)).Message);
        // Refusing it changed nothing: with the version put back, the run is still there.
        Sql("PRAGMA user_version = 2");
        using var reader = RunReader.Open(StorePath);
        Assert.Single(reader.Runs());
    }

    [Fact]
    public void AFileThatIsNotSqliteIsRefusedByNameAndLeftAlone()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(StorePath)!);
        File.WriteAllText(StorePath, "epoch,loss\n1,0.5\n");
        var expected = $"{StorePath} is not a SQLite database, so it is not a CnnVis run store";
        Assert.Equal(expected, Assert.Throws<RunStoreException>(() => RunWriter.Open(StorePath)).Message);
        Assert.Equal(expected, Assert.Throws<RunStoreException>(() => RunReader.Open(StorePath)).Message);
        Assert.Equal("epoch,loss\n1,0.5\n", File.ReadAllText(StorePath));
    }

    [Fact]
    public void ASqliteDatabaseOfSomethingElseIsRefusedByName()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(StorePath)!);
        Sql("CREATE TABLE customers (name TEXT); INSERT INTO customers VALUES ('ada')");
        Assert.Equal($"{StorePath} is a SQLite database but not a CnnVis run store (it has tables of its own and no CnnVis schema)",
            Assert.Throws<RunStoreException>(() => RunWriter.Open(StorePath)).Message);
        Sql("PRAGMA user_version = 1");
        Assert.Equal($"{StorePath} is a SQLite database but not a CnnVis run store (its store_info does not name CnnVis)",
            Assert.Throws<RunStoreException>(() => RunReader.Open(StorePath)).Message);
    }

    [Fact]
    public void AMissingStoreIsNamedToAReaderAndAnEmptyFileBecomesAStore()
    {
        Assert.Equal($"{StorePath}: no run store there (it is created by `cnnvis train --monitor`)",
            Assert.Throws<RunStoreException>(() => RunReader.Open(StorePath)).Message);
        // An empty file is SQLite's empty database: version 0, brought up to the current schema by the migrations.
        Directory.CreateDirectory(Path.GetDirectoryName(StorePath)!);
        File.WriteAllBytes(StorePath, []);
        using (var writer = RunWriter.Open(StorePath)) writer.CreateRun(StoreSamples.Run());
        using var reader = RunReader.Open(StorePath);
        Assert.Single(reader.Runs());
    }

    [Fact]
    public void AnUnknownRunIdIsNamedByEveryCall()
    {
        using var writer = RunWriter.Open(StorePath);
        writer.CreateRun(StoreSamples.Run());
        using var reader = RunReader.Open(StorePath);
        var expected = $"{StorePath}: no run 42 in this store";
        Assert.Equal(expected, Assert.Throws<RunNotFoundException>(() => reader.Run(42)).Message);
        Assert.Equal(expected, Assert.Throws<RunNotFoundException>(() => reader.MapGrid(42, "gradcam", "true")).Message);
        Assert.Equal(expected, Assert.Throws<RunNotFoundException>(() => reader.Cube(42)).Message);
        Assert.Equal(expected, Assert.Throws<RunNotFoundException>(() => reader.ChangeCounter(42)).Message);
        Assert.Equal(expected, Assert.Throws<RunNotFoundException>(() => reader.Metric(42, "lr")).Message);
        Assert.Equal(expected, Assert.Throws<RunNotFoundException>(() => writer.WriteSnapshot(42, StoreSamples.Snapshot(0, 0))).Message);
        Assert.Equal(expected, Assert.Throws<RunNotFoundException>(() => writer.EndRun(42, RunStatus.Finished, null)).Message);
        Assert.Equal(expected, Assert.Throws<RunNotFoundException>(() => writer.DeleteRun(42)).Message);
        Assert.Empty(reader.Snapshots(1));
    }

    [Fact]
    public void AFullStoreGivesAClearErrorAndLeavesNoHalfSnapshot()
    {
        using var writer = RunWriter.Open(StorePath);
        var id = writer.CreateRun(StoreSamples.Run());
        writer.WriteSnapshot(id, StoreSamples.Snapshot(0, 0));
        writer.LimitPages(Scalar("PRAGMA page_count") + 2);
        var big = StoreSamples.Snapshot(5, 1, probes: 40, side: 64);
        var error = Assert.Throws<RunStoreFullException>(() => writer.WriteSnapshot(id, big));
        Assert.Equal($"{StorePath}: the run store is full (no space left on the disk, or its size limit reached): could not write a snapshot of run {id} at step 5; nothing of it was written",
            error.Message);

        using (var reader = RunReader.Open(StorePath))
        {
            Assert.Equal([0L], reader.Snapshots(id).Select(s => s.Step));
            Assert.Equal(StoreSamples.Snapshot(0, 0).Maps[0].Values.Min(), reader.Map(id, 0, 0, "gradcam", "true")!.Values().Min(), 5);
        }
        // Not one row of the failed snapshot is anywhere: the first snapshot's 4 maps, 2 probabilities, 2 layers.
        Assert.Equal((4L, 2L, 2L, 1L), (Scalar("SELECT count(*) FROM maps"), Scalar("SELECT count(*) FROM probabilities"),
            Scalar("SELECT count(*) FROM layer_stats"), Scalar("SELECT count(*) FROM filters")));
        // The writer stays usable: with room again, the same snapshot goes in whole.
        writer.LimitPages(1_000_000);
        Assert.Equal(1, writer.WriteSnapshot(id, big));
        Assert.Equal(4L + 80, Scalar("SELECT count(*) FROM maps"));
    }

    [Fact]
    public void ADeadOwnerShowsAsInterruptedAndALiveOneKeepsTheRun()
    {
        using var writer = RunWriter.Open(StorePath);
        var id = writer.CreateRun(StoreSamples.Run());
        using var reader = RunReader.Open(StorePath);
        Assert.Equal(RunStatus.Running, reader.Run(id).Status);

        using (var gone = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!)
        {
            gone.WaitForExit();
            Sql($"UPDATE runs SET owner_pid = {gone.Id} WHERE id = {id}");
        }
        var dead = reader.Run(id);
        Assert.Equal(RunStatus.Interrupted, dead.Status);
        Assert.Contains("stopped without ending the run", dead.Message);

        using var alive = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
        try
        {
            Sql($"UPDATE runs SET owner_pid = {alive.Id} WHERE id = {id}");
            Assert.Equal(RunStatus.Running, reader.Run(id).Status);
            using var second = RunWriter.Open(StorePath);
            Assert.Equal($"{StorePath}: run {id} is being written by process {alive.Id} on {Environment.MachineName}: a run has one writer at a time",
                Assert.Throws<RunStoreException>(() => second.ClaimRun(id)).Message);
            Assert.Throws<RunStoreException>(() => second.DeleteRun(id));
        }
        finally
        {
            alive.Kill();
            alive.WaitForExit();
        }
        // Its owner gone, the run can be taken over (resumed) by this process.
        writer.ClaimRun(id);
        Assert.Equal((RunStatus.Running, Environment.ProcessId), (reader.Run(id).Status, reader.Run(id).OwnerProcessId));

        // A heartbeat older than the limit reads as interrupted even when the process id looks alive elsewhere.
        Sql($"UPDATE runs SET owner_host = 'elsewhere', heartbeat_utc = '2020-01-01T00:00:00.0000000Z' WHERE id = {id}");
        Assert.Equal(RunStatus.Interrupted, reader.Run(id).Status);
    }

    [Fact]
    public void ACheckpointWhoseChecksumNoLongerMatchesIsRefusedByName()
    {
        var folder = Path.Combine(Folder, "checkpoints", "epoch-0001");
        Directory.CreateDirectory(folder);
        var model = Path.Combine(folder, "model.pt");
        File.WriteAllText(model, "weights v1");
        using var writer = RunWriter.Open(StorePath);
        var id = writer.CreateRun(StoreSamples.Run());
        writer.WriteSnapshot(id, StoreSamples.Snapshot(0, 0));
        writer.AddCheckpoint(id, new CheckpointRecord(1, 3, true, folder, CheckpointHash.Of(model), 10, DateTime.UtcNow));
        using var reader = RunReader.Open(StorePath);
        RunReader.VerifyCheckpoint(reader.Checkpoints(id)[0]);

        File.WriteAllText(model, "weights v2");
        var error = Assert.Throws<RunStoreException>(() => RunReader.VerifyCheckpoint(reader.Checkpoints(id)[0]));
        Assert.StartsWith($"{model}: the checkpoint's SHA-256 is {CheckpointHash.Of(model)}, but the store recorded ", error.Message);
        // The rest of the run is still readable.
        Assert.Single(reader.Snapshots(id));
        File.Delete(model);
        Assert.Equal($"{model}: the checkpoint's model file is missing", Assert.Throws<RunStoreException>(() => RunReader.VerifyCheckpoint(reader.Checkpoints(id)[0])).Message);
    }

    [Fact]
    public void AStoreInAReadOnlyFolderIsRefusedByNameAndNothingIsLost()
    {
        var folder = Path.Combine(Folder, "readonly");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "cnnvis.db");
        using (var writer = RunWriter.Open(path)) writer.CreateRun(StoreSamples.Run());
        var before = File.ReadAllBytes(path);
        using var readOnly = ReadOnlyFolder.Make(folder);
        var fresh = Path.Combine(folder, "other.db");
        Assert.Equal($"{fresh}: the folder {folder} is read-only, so the run store cannot be created; give it a writable folder with --store",
            Assert.Throws<RunStoreException>(() => RunWriter.Open(fresh)).Message);
        Assert.Equal($"{path}: the folder {folder} is read-only, so the run store cannot be written (SQLite keeps its write-ahead log beside it); give it a writable folder with --store",
            Assert.Throws<RunStoreException>(() => RunWriter.Open(path)).Message);
        Assert.Equal(before, File.ReadAllBytes(path));
    }
}
