using CnnVis.Monitor.Store;

namespace CnnVis.Monitor.Tests;

/// <summary>Records with distinct, non-trivial values, so a round trip that mixes up fields or rows fails.</summary>
internal static class StoreSamples
{
    public static RunDescription Run(string name = "shapes-fashionnet") =>
        new(name, "synthetic-shapes", "fashionnet", """{"Epochs":2,"Seed":7}""", ["circle", "square", "triangle"], 2, "/tmp/nowhere");

    public static float[] Ramp(int length, float start, float step) => Enumerable.Range(0, length).Select(i => start + step * ((i * 7) % length)).ToArray();

    public static SnapshotRecord Snapshot(long step, int epoch, int probes = 2, int side = 4, bool drift = false) => new(step, epoch, "schedule", 12.5)
    {
        Maps = Enumerable.Range(0, probes).SelectMany(p => new[]
        {
            new MapRecord(p, "gradcam", "true", p % 3, 1, side, side, Ramp(side * side, p - 1.5f, 0.37f), drift ? 0.5 + p / 10.0 : null, drift ? 0.25 : null),
            new MapRecord(p, "guided-backprop", "true", p % 3, 3, side, side, Ramp(3 * side * side, -0.01f * (p + 1), 0.001f)),
        }).ToList(),
        Probabilities = Enumerable.Range(0, probes).Select(p => new ProbeProbabilities(p, [0.2f, 0.3f + p / 100f, 0.5f - p / 100f])).ToList(),
        ChannelWeights = Enumerable.Range(0, probes).Select(p => new ChannelWeights(p, "true", "features.16", Ramp(5, p, -0.25f))).ToList(),
        Filters = new FilterImage("features.0", 2, 3, 3, 3, Ramp(2 * 3 * 3 * 3, -1, 0.07f)),
        Layers = [new LayerStatistics("features.0.weight", 3.5, drift ? 0.01 : null, drift ? 0.2 : null, -1.25, 1.5, [1, 2, 3, 4]),
                  new LayerStatistics("classifier.bias", 0.5, null, null, -0.1, 0.1, [4, 0, 0, 1])],
        Trust = [new TrustScore("gradcam", "true", "deletion-auc", 0.31), new TrustScore("gradcam", "true", "pointing-game", 0.75)],
    };

    public static ProbeRecord Probe(int probe, string kind = "class") => new(probe, 100 + probe, probe % 3, kind, 0, 3, 2, 2, Enumerable.Range(0, 12).Select(i => (byte)(i * 20 + probe)).ToArray());
}
