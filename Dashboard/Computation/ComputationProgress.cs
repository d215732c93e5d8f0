namespace CnnVis.Dashboard.Computation;

/// <summary>How far a queued computation is: a fraction from 0 to 1 and what it is doing, in the user's words.</summary>
public sealed record ComputationProgress(double Fraction, string Stage);
