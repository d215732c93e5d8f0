namespace CnnVis.Monitor.Store;

/// <summary>Validation accuracy per class at the end of one epoch (NaN for a class with no validation image).</summary>
public sealed record ClassAccuracy(int Epoch, double[] Accuracies);
