using System.Runtime.CompilerServices;
using CnnVis.Torch;

// The suite fills the disk through this seam (Trainer.Storage).
[assembly: InternalsVisibleTo("CnnVis.Training.Tests")]

namespace CnnVis.Training.Loop;

/// <summary>
/// How a checkpoint's files reach the disk and how much room the disk has left. Tests put a disk that
/// fills up in its place, since a full file system cannot be made on every machine the suite runs on.
/// </summary>
internal class CheckpointStorage
{
    public static readonly CheckpointStorage Disk = new();

    public virtual void SaveTensors(IEnumerable<KeyValuePair<string, Tensor>> tensors, string path) => torch.save(tensors, path);

    public virtual void WriteText(string path, string text) => File.WriteAllText(path, text);

    /// <summary>Bytes this process may still write under <paramref name="directory"/>, or null if the system does not say.</summary>
    public virtual long? FreeBytes(string directory)
    {
        try
        {
            return new DriveInfo(directory).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }
}
