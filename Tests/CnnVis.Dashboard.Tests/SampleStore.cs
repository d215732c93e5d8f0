using CnnVis.Monitor.Store;

namespace CnnVis.Dashboard.Tests;

/// <summary>
/// A run store written with <see cref="RunWriter"/> the way the monitor fills it: probes, snapshots with maps of two
/// methods, probabilities, layer statistics, per-step and per-epoch metrics and the validation cube. The numbers
/// follow from a seed, so tests know what the pages must show.
/// </summary>
internal sealed class SampleStore : IDisposable
{
    public static readonly string[] ClassNames = ["circle", "square", "triangle"];
    public static readonly string[] Layers = ["features.0.weight", "features.0.bias", "features.3.weight", "classifier.weight", "classifier.bias"];
    public const int Side = 12;
    public const int StepsPerEpoch = 20;
    public const int FilterCount = 8;

    private readonly string _folder = Directory.CreateTempSubdirectory("cnnvis-dashboard-").FullName;
    private readonly int _snapshots;
    private readonly int _epochs;

    public SampleStore(int probes = 6, int snapshots = 5, int epochs = 3, int validation = 45)
    {
        Path = System.IO.Path.Combine(_folder, "runs", "cnnvis.db");
        Probes = probes;
        Validation = validation;
        (_snapshots, _epochs) = (snapshots, epochs);
        RunId = AddRun("shapes-fashionnet");
    }

    /// <summary>
    /// Writes another finished run like the first, on <paramref name="dataset"/>, with a training accuracy per epoch
    /// when <paramref name="trainAccuracy"/> is given; returns its id.
    /// </summary>
    public long AddRun(string name, string dataset = "synthetic-shapes", double? trainAccuracy = null)
    {
        using var writer = RunWriter.Open(Path);
        var runId = writer.CreateRun(new RunDescription(name, dataset, "fashionnet", """{"Epochs":3}""", ClassNames, _epochs));
        writer.AddProbes(runId, Enumerable.Range(0, Probes).Select(Probe).ToList());
        for (var s = 0; s < _snapshots; s++) AddSnapshot(writer, s, runId);
        var points = new List<MetricPoint>();
        for (var step = 1; step <= _epochs * StepsPerEpoch; step++)
        {
            points.Add(new MetricPoint("train.loss", step, (step - 1) / StepsPerEpoch + 1, 1.1 * Math.Exp(-step / 25.0) + 0.05 * Math.Sin(step)));
            points.Add(new MetricPoint("lr", step, (step - 1) / StepsPerEpoch + 1, 0.01 * (1 - step / 100.0)));
        }
        if (trainAccuracy is { } accuracy)
            points.AddRange(Enumerable.Range(1, _epochs).Select(e => new MetricPoint("train.accuracy", (long)e * StepsPerEpoch, e, accuracy)));
        writer.AddMetrics(runId, points);
        for (var e = 1; e <= _epochs; e++) writer.WriteEpoch(runId, Epoch(e));
        writer.EndRun(runId, RunStatus.Finished, null);
        return runId;
    }

    public string Path { get; }

    public long RunId { get; }

    public int Probes { get; }

    public int Validation { get; }

    public static int LabelOf(int probe) => probe % ClassNames.Length;

    /// <summary>The layer whose channel weights Grad-CAM stored, and how many channels it has.</summary>
    public const string CamLayer = "features.3";
    public const int CamChannels = 8;

    /// <summary>Grad-CAM's channel weights for the probe at the snapshot: a ramp through zero, shifted per probe and snapshot.</summary>
    public static float[] ChannelWeightsOf(int probe, int sequence) =>
        Enumerable.Range(0, CamChannels).Select(k => 0.1f * (k - 3) + 0.05f * probe - 0.02f * sequence).ToArray();

    /// <summary>A snapshot like the monitor's: step grows with the sequence number.</summary>
    public void AddSnapshot(RunWriter writer, int sequence, long? runId = null)
    {
        var step = sequence * 12L;
        writer.WriteSnapshot(runId ?? RunId, new SnapshotRecord(step, (int)(step / StepsPerEpoch) + 1, sequence == 0 ? "start" : "schedule", 40)
        {
            Maps = Enumerable.Range(0, Probes).SelectMany(p => new[]
            {
                new MapRecord(p, "gradcam", "true", LabelOf(p), 1, Side, Side, Blob(p, sequence), Drift(sequence), sequence == 0 ? null : 0.5),
                new MapRecord(p, "guided-backprop", "true", LabelOf(p), 3, Side, Side, Enumerable.Range(0, 3).SelectMany(_ => Blob(p, sequence)).Select(v => v - 0.3f).ToArray()),
            }).ToList(),
            Probabilities = Enumerable.Range(0, Probes).Select(p => new ProbeProbabilities(p, Probabilities(p, sequence))).ToList(),
            ChannelWeights = Enumerable.Range(0, Probes).Select(p => new ChannelWeights(p, "true", CamLayer, ChannelWeightsOf(p, sequence))).ToList(),
            Filters = new FilterImage("features.0", FilterCount, 1, 5, 5, Enumerable.Range(0, FilterCount * 25).Select(i => (float)Math.Sin(i * 0.7 + sequence * 0.3) * (1 + sequence * 0.2f)).ToArray()),
            Trust = [new TrustScore("gradcam", "true", "deletion-auc", 0.5 - 0.05 * sequence), new TrustScore("gradcam", "true", "pointing-game", 0.2 + 0.15 * sequence),
                new TrustScore("gradcam", "true", "energy-in-mask", EnergyInMask(sequence))],
            Layers = Layers.Select((layer, k) => new LayerStatistics(layer, 1 + k, sequence == 0 ? null : 0.1 / (k + 1) / (sequence + 1), 0.5 / (k + 1), -1, 1, [1, 4, 6, 4, 1])).ToList(),
        });
    }

    /// <summary>
    /// The probe's class probabilities: wrong at first, right from snapshot 2 on for every other probe, except probe 4,
    /// which is wrong again from snapshot 4 on (its prediction flips).
    /// </summary>
    public static float[] Probabilities(int probe, int sequence)
    {
        var label = LabelOf(probe);
        var truth = sequence >= 2 && probe % 2 == 0 && !(probe == 4 && sequence >= 4) ? 0.8f : 0.2f;
        return Enumerable.Range(0, ClassNames.Length).Select(c => c == label ? truth : c == (label + 1) % ClassNames.Length ? 0.9f - truth : 0.1f).ToArray();
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>The share of Grad-CAM's energy on the object at a snapshot: 0.6 at first, falling by 0.1 a snapshot.</summary>
    public static double EnergyInMask(int sequence) => 0.6 - 0.1 * sequence;

    /// <summary>Spearman correlation with the previous snapshot's map: none at the first, low at the second, then high.</summary>
    public static double? Drift(int sequence) => sequence == 0 ? null : sequence == 1 ? 0.3 : 0.9;

    private static ProbeRecord Probe(int probe)
    {
        // A bright square on a dark ground, moved per probe, so the overlay has something to show.
        var image = new byte[Side * Side];
        for (var y = 0; y < Side; y++)
            for (var x = 0; x < Side; x++)
                image[y * Side + x] = (byte)(Math.Abs(x - 3 - probe % 5) < 3 && Math.Abs(y - 4 - probe % 4) < 3 ? 220 : 30);
        return new ProbeRecord(probe, 100 + probe, LabelOf(probe), "class", 0, 1, Side, Side, image);
    }

    // A blob that moves towards the probe's square as training goes on.
    private static float[] Blob(int probe, int sequence)
    {
        var cx = 8.0 - (8.0 - (3 + probe % 5)) * Math.Min(1, sequence / 3.0);
        var cy = 8.0 - (8.0 - (4 + probe % 4)) * Math.Min(1, sequence / 3.0);
        return Enumerable.Range(0, Side * Side).Select(i => (float)Math.Exp(-(Math.Pow(i % Side - cx, 2) + Math.Pow(i / Side - cy, 2)) / 8.0)).ToArray();
    }

    /// <summary>Another epoch's validation like the run's first ones: its cube slice, metrics and per-class accuracy.</summary>
    public void AddEpoch(RunWriter writer, int epoch) => writer.WriteEpoch(RunId, Epoch(epoch));

    private EpochRecord Epoch(int epoch)
    {
        var labels = Enumerable.Range(0, Validation).Select(i => i % ClassNames.Length).ToArray();
        // Every fourth image flips between epochs; the rest are right from epoch 2 on, but for four that stay wrong.
        var predictions = labels.Select((l, i) => i % 4 == 0 ? (l + epoch) % ClassNames.Length : epoch >= 2 && i % 9 != 5 ? l : (l + 1) % ClassNames.Length).ToArray();
        var probabilities = predictions.Select((p, i) => p == labels[i] ? 0.85f : 0.15f).ToArray();
        var step = (long)epoch * StepsPerEpoch;
        var accuracy = predictions.Where((p, i) => p == labels[i]).Count() / (double)Validation;
        var perClass = Enumerable.Range(0, ClassNames.Length)
            .Select(c => Enumerable.Range(0, Validation).Where(i => labels[i] == c).Average(i => predictions[i] == c ? 1.0 : 0.0)).ToArray();
        return new EpochRecord(new CubeSlice(epoch, step, Enumerable.Range(1000, Validation).ToArray(), labels, predictions, probabilities),
            [new MetricPoint("val.accuracy", step, epoch, accuracy), new MetricPoint("val.loss", step, epoch, 1.2 - 0.3 * epoch)], perClass);
    }
}
