using CnnVis.Monitor.Store;
using CnnVis.Torch;
using CnnVis.Training.Models;

namespace CnnVis.Dashboard.Tests;

/// <summary>Real checkpoints for a sample store's run: a seeded, untrained FashionNet's state_dict, referenced with its SHA-256 as the monitor does.</summary>
internal static class CheckpointFiles
{
    /// <summary>The sample run's input: synthetic-shapes images are 3 × 32 × 32.</summary>
    public const int Channels = 3;

    public static CheckpointRecord Add(SampleStore store, int epoch, long seed)
    {
        var folder = Path.Combine(Path.GetDirectoryName(store.Path)!, "checkpoints", $"epoch-{epoch:D4}");
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, "model.pt");
        File.WriteAllBytes(file, StateDict("fashionnet", SampleStore.ClassNames.Length, seed));
        var record = new CheckpointRecord(epoch, epoch * (long)SampleStore.StepsPerEpoch, true, folder, CheckpointHash.Of(file), new FileInfo(file).Length, DateTime.UtcNow);
        using var writer = RunWriter.Open(store.Path);
        writer.AddCheckpoint(store.RunId, record);
        return record;
    }

    /// <summary>The bytes of a seeded zoo model's state_dict .pt for the sample run's input.</summary>
    public static byte[] StateDict(string model, int classes, long seed)
    {
        torch.manual_seed(seed);
        using var built = ModelZoo.Create(model, Channels, classes);
        var file = Path.GetTempFileName();
        try
        {
            torch.save(built.state_dict(), file);
            return File.ReadAllBytes(file);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
