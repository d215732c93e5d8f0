namespace CnnVis.Training.Loop;

/// <summary>
/// The validation pass at the end of an epoch: loss, accuracy, per-class accuracy, and for every
/// validation image its dataset index, label, predicted class and that prediction's probability.
/// </summary>
public sealed record Evaluation(int Epoch, long Step, double Loss, double Accuracy, double[] PerClassAccuracy,
    int[] Indices, int[] Labels, int[] Predictions, float[] Probabilities)
{
    /// <summary>Each image's probability of its true class (the monitor's validation cube); empty when not measured.</summary>
    public float[] TrueClassProbabilities { get; init; } = [];
}
