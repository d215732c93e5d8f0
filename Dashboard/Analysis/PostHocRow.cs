namespace CnnVis.Dashboard.Analysis;

/// <summary>
/// What one model made of the image: its prediction with the probability, the class explained, whether the
/// prediction is right (null when the image has no label), and one map per method.
/// </summary>
public sealed record PostHocRow(string Model, int Predicted, double Probability, int Explained, bool? Correct, IReadOnlyList<PostHocMap> Maps);
