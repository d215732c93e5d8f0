namespace CnnVis.Monitor.Store;

/// <summary>A probe's class probabilities (softmax of the logits) at a snapshot.</summary>
public sealed record ProbeProbabilities(int Probe, float[] Probabilities)
{
    public int Snapshot { get; init; }
}
