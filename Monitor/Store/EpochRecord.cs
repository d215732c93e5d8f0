namespace CnnVis.Monitor.Store;

/// <summary>What the monitor writes at the end of an epoch, in one transaction: the validation cube, epoch metrics and per-class accuracy.</summary>
public sealed record EpochRecord(CubeSlice Cube, IReadOnlyList<MetricPoint> Metrics, double[] ClassAccuracies);
