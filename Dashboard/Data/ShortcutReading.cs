namespace CnnVis.Dashboard.Data;

/// <summary>
/// How a run trained on images with a planted shortcut (synthetic-shapes with <c>marker=</c>) reads: the marker's
/// correlation with the label in training, the last epoch's training and validation accuracy and the gap between them,
/// the explanations' energy in the object mask at the first and last snapshot that has it, whether the shortcut shows,
/// and the sentence that says so.
/// </summary>
public sealed record ShortcutReading(double Marker, double? TrainAccuracy, double? ValidationAccuracy, double? EnergyFirst, double? EnergyLast,
    bool Suspected, string Verdict)
{
    /// <summary>Training minus validation accuracy at the last epoch with both.</summary>
    public double? Gap => TrainAccuracy - ValidationAccuracy;
}
