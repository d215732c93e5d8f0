using System.Security.Cryptography;
using CnnVis.Monitor.Store;
using Microsoft.Data.Sqlite;

namespace CnnVis.Monitor.Tests;

/// <summary>
/// <see cref="RunReader.OpenReadOnly"/>, the dashboard's way in: it reads like any reader, leaves the store file as
/// it was, and refuses what it cannot read with the same messages.
/// </summary>
public sealed class ReadOnlyReaderTests : TempFolder
{
    [Fact]
    public void ReadsTheRunsAndLeavesTheFileAsItWas()
    {
        long id;
        using (var writer = RunWriter.Open(StorePath)) id = writer.CreateRun(StoreSamples.Run());
        SqliteConnection.ClearAllPools();
        var before = SHA256.HashData(File.ReadAllBytes(StorePath));
        using (var reader = RunReader.OpenReadOnly(StorePath))
        {
            Assert.Equal(id, Assert.Single(reader.Runs()).Id);
            Assert.Empty(reader.Snapshots(id));
            Assert.Throws<RunNotFoundException>(() => reader.Run(id + 1));
        }
        Assert.Equal(before, SHA256.HashData(File.ReadAllBytes(StorePath)));
    }

    [Fact]
    public void RefusesAMissingStoreAndANewerOneWithTheReadersMessages()
    {
        var missing = Assert.Throws<RunStoreException>(() => RunReader.OpenReadOnly(StorePath));
        Assert.Equal($"{StorePath}: no run store there (it is created by `cnnvis train --monitor`)", missing.Message);
        Assert.False(File.Exists(StorePath));

        using (var writer = RunWriter.Open(StorePath)) writer.CreateRun(StoreSamples.Run());
        using (var connection = new SqliteConnection($"Data Source={StorePath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 99";
            command.ExecuteNonQuery();
        }
        var newer = Assert.Throws<RunStoreException>(() => RunReader.OpenReadOnly(StorePath));
        Assert.Equal($"{StorePath} was written by a newer CnnVis: its store schema is version 99, and this CnnVis reads versions up to 2. Open it with a newer CnnVis.", newer.Message);
    }

    [Fact]
    public void AnOlderStoreIsRefusedSayingHowToUpgradeItAndIsLeftAsItWas()
    {
        long id;
        using (var writer = RunWriter.Open(StorePath)) id = writer.CreateRun(StoreSamples.Run());
        // What version 1 wrote: every table but natural_maps, at user_version 1.
        using (var connection = new SqliteConnection($"Data Source={StorePath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "DROP TABLE natural_maps; PRAGMA user_version = 1;";
            command.ExecuteNonQuery();
        }
        SqliteConnection.ClearAllPools();
        var before = SHA256.HashData(File.ReadAllBytes(StorePath));

        var older = Assert.Throws<RunStoreException>(() => RunReader.OpenReadOnly(StorePath));
        Assert.Equal($"{StorePath} was written by an older CnnVis: its store schema is version 1, and this CnnVis reads version 2. " +
            $"It is opened read-only here, so it is not upgraded; upgrade it once with `cnnvis runs --store {StorePath}`.", older.Message);
        SqliteConnection.ClearAllPools();
        Assert.Equal(before, SHA256.HashData(File.ReadAllBytes(StorePath)));

        // The upgrade the message names (a writer's open) makes it readable read-only, the run intact.
        using (RunReader.Open(StorePath)) { }
        using var reader = RunReader.OpenReadOnly(StorePath);
        Assert.Equal(id, Assert.Single(reader.Runs()).Id);
    }
}
