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
    public DateTime CreatedUtc { get; init; } = DateTime.UtcNow;

    [JsonIgnore]
    public string Directory { get; init; } = "";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    internal static string FolderName(int epoch, bool endOfEpoch, long step) =>
        endOfEpoch ? $"epoch-{epoch:D4}" : $"epoch-{epoch:D4}-step-{step:D8}";

    internal static CheckpointInfo Save(string root, Checkpoint meta, Module model, Optimizer optimizer)
    {
        var checkpoints = Path.Combine(root, "checkpoints");
        System.IO.Directory.CreateDirectory(checkpoints);
        var final = Path.Combine(checkpoints, FolderName(meta.Epoch, meta.EndOfEpoch, meta.Step));
        var partial = final + ".partial";
        if (System.IO.Directory.Exists(partial)) System.IO.Directory.Delete(partial, true);
        System.IO.Directory.CreateDirectory(partial);
        torch.save(model.state_dict(), Path.Combine(partial, ModelFile));
        var optimizerState = optimizer.state_dict();
        torch.save(optimizerState, Path.Combine(partial, OptimizerFile));
        File.WriteAllText(Path.Combine(partial, MetaFile), JsonSerializer.Serialize(meta, Json));
        if (System.IO.Directory.Exists(final)) System.IO.Directory.Delete(final, true);
        System.IO.Directory.Move(partial, final);
        return new CheckpointInfo(final, meta.Epoch, meta.Step, meta.EndOfEpoch);
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
        return meta with { Directory = directory };
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

    internal void LoadInto(Module model, Optimizer optimizer)
    {
        LoadWeights(Directory, model);
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
