namespace CnnVis.Monitor.Store;

/// <summary>One value of a named metric ("train.loss", "lr", "val.accuracy") at an optimizer step.</summary>
public sealed record MetricPoint(string Name, long Step, int Epoch, double Value);
