using System.Text.Json.Nodes;
using CnnVis.Training.Loop;

namespace CnnVis.Training.Tests.Loop;

/// <summary>A checkpoint.json is input like any other: what it stores is checked as a new run's options are.</summary>
public sealed class StoredOptionsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cnnvis-stored-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // A checkpoint folder whose metadata is a valid one with one field replaced.
    private string Checkpointed(Action<JsonObject> edit)
    {
        var folder = Path.Combine(_dir, "checkpoints", "epoch-0001");
        Directory.CreateDirectory(folder);
        var json = new JsonObject
        {
            ["Epoch"] = 1, ["Step"] = 2, ["BatchInEpoch"] = 2, ["EndOfEpoch"] = true,
            ["Options"] = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(new TrainingOptions { Threads = 2, OutputDirectory = _dir })),
            ["ClassNames"] = new JsonArray("a", "b"),
        };
        edit(json);
        File.WriteAllText(Path.Combine(folder, Checkpoint.MetaFile), json.ToJsonString());
        return folder;
    }

    [Fact]
    public void AWholeRecordReadsBack()
    {
        var checkpoint = Checkpoint.Read(Checkpointed(_ => { }));
        Assert.Equal(2, checkpoint.Options.Threads);
        Assert.Equal(_dir, checkpoint.RunDirectory);
    }

    [Theory]
    [InlineData("Threads", "100000", "the stored field 'Options.Threads' must be at most 256 (this machine has {cores} cores), got 100000")]
    [InlineData("Threads", "0", "the stored field 'Options.Threads' must be positive, got 0")]
    [InlineData("TrainLimit", "-5", "the stored field 'Options.TrainLimit' must not be negative, got -5")]
    [InlineData("Schedule", "\"linear\"", "unknown schedule 'linear' (the stored field 'Options.Schedule'). Known schedules: none, step, cosine")]
    [InlineData("StepEpochs", "0", "the stored field 'Options.StepEpochs' must be positive, got 0")]
    [InlineData("Model", "null", "the stored field 'Options.Model' must name a model, got none")]
    [InlineData("Dataset", "null", "the stored field 'Options.Dataset' must name a dataset, got none")]
    [InlineData("LearningRate", "1e39", "the stored field 'Options.LearningRate' must be a positive number no larger than 1000000 (larger rates overflow the optimizer's 32-bit arithmetic), got 1E+39")]
    public void ABadStoredOptionIsNamedWithItsFile(string field, string value, string message)
    {
        var folder = Checkpointed(j => j["Options"]![field] = JsonNode.Parse(value));
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Read(folder));
        var expected = message.Replace("{cores}", Environment.ProcessorCount.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal($"{Path.Combine(folder, Checkpoint.MetaFile)}: {expected}", e.Message);
    }

    [Theory]
    [InlineData("Options", "null", "the field 'Options' is missing or null")]
    [InlineData("ClassNames", "null", "the field 'ClassNames' is missing or holds null")]
    [InlineData("Epoch", "0", "the field 'Epoch' must be at least 1, got 0")]
    [InlineData("Step", "-1", "the field 'Step' must not be negative, got -1")]
    public void ABadStoredRecordIsNamedWithItsFile(string field, string value, string message)
    {
        var folder = Checkpointed(j => j[field] = JsonNode.Parse(value));
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Read(folder));
        Assert.Equal($"{Path.Combine(folder, Checkpoint.MetaFile)}: {message}", e.Message);
    }

    [Fact]
    public void FindingTheLatestCheckpointChecksItToo()
    {
        Checkpointed(j => j["Options"]!["Threads"] = 100000);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.FindLatest(_dir));
        Assert.Contains("Options.Threads", e.Message);
    }
}
