namespace CnnVis.Dashboard.Analysis;

/// <summary>One activation-maximization image as PNG, what it maximizes, the score it reached, and whether it came from the cache.</summary>
public sealed record ActivationImage(string Label, byte[] Png, double Score, bool Cached);
