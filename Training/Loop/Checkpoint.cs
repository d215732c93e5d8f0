using System.Text.Json;
using System.Text.Json.Serialization;
using CnnVis.Torch;
using CnnVis.Torch.Optim;

namespace CnnVis.Training.Loop;

/// <summary>
/// A checkpoint folder: model.pt (PyTorch's state-dict format, torch.load reads it), optimizer.pt and
/// checkpoint.json (epoch, step, the run's options). Written to a temporary folder and renamed, so a
/// run killed mid-save never leaves a half checkpoint where a whole one is expected.
/// </summary>
public sealed record Checkpoint
{
    public const string ModelFile = "model.pt";
    public const string OptimizerFile = "optimizer.pt";
    public const string MetaFile = "checkpoint.json";

    public required int Epoch { get; init; }
    public required long Step { get; init; }
    /// <summary>Batches of <see cref="Epoch"/> already trained; equals the epoch's batch count at its end.</summary>
    public required int BatchInEpoch { get; init; }
    public required bool EndOfEpoch { get; init; }
    public required TrainingOptions Options { get; init; }
    public required string[] ClassNames { get; init; }
    /// <summary>
    /// The full type name of a user-defined model (one given to <see cref="Trainer.Model"/>), or null for a zoo
    /// model, which <see cref="TrainingOptions.Model"/> names. Such a checkpoint loads only into that type.
    /// </summary>
    public string? ModelType { get; init; }
    public DateTime CreatedUtc { get; init; } = DateTime.UtcNow;

    [JsonIgnore]
    public string Directory { get; init; } = "";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    internal static string FolderName(int epoch, bool endOfEpoch, long step) =>
        endOfEpoch ? $"epoch-{epoch:D4}" : $"epoch-{epoch:D4}-step-{step:D8}";

    internal static CheckpointInfo Save(string root, Checkpoint meta, Module model, Optimizer optimizer, CheckpointStorage? storage = null)
    {
        storage ??= CheckpointStorage.Disk;
        var checkpoints = Path.Combine(root, "checkpoints");
        System.IO.Directory.CreateDirectory(checkpoints);
        var final = Path.Combine(checkpoints, FolderName(meta.Epoch, meta.EndOfEpoch, meta.Step));
        var partial = final + ".partial";
        var modelState = model.state_dict();
        var optimizerState = optimizer.state_dict();
        try
        {
            if (System.IO.Directory.Exists(partial)) System.IO.Directory.Delete(partial, true);
            System.IO.Directory.CreateDirectory(partial);
            storage.SaveTensors(modelState, Path.Combine(partial, ModelFile));
            TestPause.At(TestPause.CheckpointWrite);
            storage.SaveTensors(optimizerState, Path.Combine(partial, OptimizerFile));
            storage.WriteText(Path.Combine(partial, MetaFile), JsonSerializer.Serialize(meta, Json));
        }
        catch (Exception e) when (e is IOException or TorchException or UnauthorizedAccessException)
        {
            TryDelete(partial);
            var needed = Bytes(modelState.Values) + Bytes(optimizerState.Values) + MetadataAllowance;
            throw SaveFailure(root, checkpoints, final, e, storage.FreeBytes(checkpoints), needed);
        }
        if (System.IO.Directory.Exists(final)) System.IO.Directory.Delete(final, true);
        System.IO.Directory.Move(partial, final);
        return new CheckpointInfo(final, meta.Epoch, meta.Step, meta.EndOfEpoch);
    }

    // Room for checkpoint.json and the zip format's headers beside the tensors' bytes.
    private const long MetadataAllowance = 64 << 10;

    private static TrainingFailedException SaveFailure(string root, string checkpoints, string final, Exception e, long? free, long needed)
    {
        var previous = System.IO.Directory.GetDirectories(checkpoints)
            .Where(d => d != final && !d.EndsWith(".partial", StringComparison.Ordinal) && File.Exists(Path.Combine(d, MetaFile)))
            .OrderBy(d => d, StringComparer.Ordinal)
            .LastOrDefault();
        var kept = previous is null
            ? "no earlier checkpoint of this run existed"
            : $"the previous checkpoint, {previous}, is intact";
        // The writer's own error rarely says why (libtorch's does not); a disk without room for a checkpoint does.
        var full = e is IOException io && (io.HResult & 0xFFFF) is DiskFullErrno or QuotaErrno || free is { } f && f < needed;
        var message = full
            ? $"{final}: the disk is full ({Megabytes(free)} free, a checkpoint needs about {Megabytes(needed)}): this checkpoint was not saved and {kept}. Free some space, then resume with --resume {root}"
            : $"{final}: the checkpoint could not be saved ({e.Message}); {kept}";
        return new TrainingFailedException(message, e);
    }

    private const int DiskFullErrno = 28;   // ENOSPC
    private const int QuotaErrno = 122;     // EDQUOT

    private static string Megabytes(long? bytes) => bytes is { } b
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{b / 1048576.0:F1} MB")
        : "an unknown amount";

    private static long Bytes(IEnumerable<Tensor> tensors) => tensors.Sum(t => t.numel() * t.dtype switch
    {
        ScalarType.Byte or ScalarType.Int8 or ScalarType.Bool => 1L,
        ScalarType.Int16 or ScalarType.Float16 or ScalarType.BFloat16 => 2L,
        ScalarType.Int32 or ScalarType.Float32 => 4L,
        _ => 8L,
    });

    private static void TryDelete(string directory)
    {
        try
        {
            if (System.IO.Directory.Exists(directory)) System.IO.Directory.Delete(directory, true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A half-written folder is ignored by FindLatest; removing it only frees its space.
        }
    }

    /// <summary>Reads a checkpoint folder's metadata; the error names the folder and what is wrong.</summary>
    public static Checkpoint Read(string directory)
    {
        if (!System.IO.Directory.Exists(directory)) throw new DirectoryNotFoundException($"{directory}: no such checkpoint folder");
        var metaPath = Path.Combine(directory, MetaFile);
        if (!File.Exists(metaPath)) throw new InvalidDataException($"{directory}: not a checkpoint (no {MetaFile})");
        Checkpoint? meta;
        try
        {
            meta = JsonSerializer.Deserialize<Checkpoint>(File.ReadAllText(metaPath), Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{metaPath}: corrupt checkpoint metadata ({e.Message})");
        }
        if (meta is null) throw new InvalidDataException($"{metaPath}: empty checkpoint metadata");
        // JSON's null passes the deserializer for non-nullable fields; a stored run is checked as a new one is.
        if (meta.Options is null) throw new InvalidDataException($"{metaPath}: the field 'Options' is missing or null");
        if (meta.ClassNames is null || meta.ClassNames.Any(c => c is null)) throw new InvalidDataException($"{metaPath}: the field 'ClassNames' is missing or holds null");
        if (meta.Epoch < 1) throw new InvalidDataException($"{metaPath}: the field 'Epoch' must be at least 1, got {meta.Epoch}");
        if (meta.Step < 0) throw new InvalidDataException($"{metaPath}: the field 'Step' must not be negative, got {meta.Step}");
        if (meta.BatchInEpoch < 0) throw new InvalidDataException($"{metaPath}: the field 'BatchInEpoch' must not be negative, got {meta.BatchInEpoch}");
        meta.Options.ValidateStored(metaPath);
        return meta with { Directory = directory };
    }

    /// <summary>
    /// The run folder this checkpoint belongs to: the folder holding its <c>checkpoints/</c> folder wherever
    /// that now is; for a checkpoint folder kept elsewhere, the absolute output folder it was saved with;
    /// otherwise null (a relative stored folder says nothing about where the run is now).
    /// </summary>
    [JsonIgnore]
    public string? RunDirectory
    {
        get
        {
            var full = Path.GetFullPath(Directory);
            var parent = Path.GetDirectoryName(full);
            if (parent is not null && Path.GetFileName(parent) == "checkpoints") return Path.GetDirectoryName(parent);
            return Options.OutputDirectory is { } stored && Path.IsPathFullyQualified(stored) ? stored : null;
        }
    }

    /// <summary>The newest whole checkpoint under a run folder (or the folder itself if it is one), or null.</summary>
    public static Checkpoint? FindLatest(string runOrCheckpoint)
    {
        if (File.Exists(Path.Combine(runOrCheckpoint, MetaFile))) return Read(runOrCheckpoint);
        var checkpoints = Path.Combine(runOrCheckpoint, "checkpoints");
        if (!System.IO.Directory.Exists(checkpoints)) return null;
        return System.IO.Directory.GetDirectories(checkpoints)
            .Where(d => !d.EndsWith(".partial", StringComparison.Ordinal) && File.Exists(Path.Combine(d, MetaFile)))
            .Select(Read)
            .OrderBy(c => c.Step).ThenBy(c => c.EndOfEpoch)
            .LastOrDefault();
    }

    /// <summary>Loads a checkpoint's (or a bare .pt file's) weights into a model; a mismatch lists the bad keys.</summary>
    public static void LoadWeights(string checkpointOrPt, Module model)
    {
        var path = System.IO.Directory.Exists(checkpointOrPt) ? Path.Combine(checkpointOrPt, ModelFile) : checkpointOrPt;
        var state = torch.load(path);
        try
        {
            model.load_state_dict(state);
        }
        catch (StateDictMismatchException e)
        {
            throw new StateDictMismatchException($"{path}: {e.Message}", e.Missing, e.Unexpected, e.Misshaped);
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    /// <summary>
    /// Loads this checkpoint's weights into <paramref name="model"/>, which must be of the type the checkpoint was
    /// saved from when that was a user-defined one (<see cref="ModelType"/>); throws <see cref="InvalidOperationException"/>
    /// naming both types otherwise.
    /// </summary>
    public void LoadModel(Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (ModelType is not null && model.GetType().FullName != ModelType)
        {
            throw new InvalidOperationException(
                $"{Directory}: the checkpoint is of the user-defined model {ModelType} and loads only into one, not into {model.GetType().FullName}");
        }
        LoadWeights(Directory, model);
    }

    internal void LoadInto(Module model, Optimizer optimizer)
    {
        LoadModel(model);
        var state = torch.load(Path.Combine(Directory, OptimizerFile));
        try
        {
            optimizer.load_state_dict(state);
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }
}
