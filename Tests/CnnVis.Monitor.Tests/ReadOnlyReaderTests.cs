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
        Assert.Equal($"{StorePath} was written by a newer CnnVis: its store schema is version 99, and this CnnVis reads versions up to 1. Open it with a newer CnnVis.", newer.Message);
    }
}
