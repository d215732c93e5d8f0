using System.Security.Cryptography;

namespace CnnVis.Monitor.Store;

/// <summary>How a checkpoint is fingerprinted in the store: the SHA-256 of its model file, in lower-case hex.</summary>
public static class CheckpointHash
{
    /// <summary>The model file of a checkpoint folder (or the path itself when it is a file).</summary>
    public static string ModelFileOf(string checkpoint) =>
        Directory.Exists(checkpoint) ? System.IO.Path.Combine(checkpoint, Training.Loop.Checkpoint.ModelFile) : checkpoint;

    public static string Of(string file)
    {
        using var stream = File.OpenRead(file);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
