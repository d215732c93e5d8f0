namespace CnnVis.Visualizers.Dreams;

/// <summary>
/// One octave of a deep dream: its image size and the objective of each image (at that size, without jitter) when
/// the octave began (the photo at that size plus the detail dreamt so far) and when its steps were done.
/// </summary>
public sealed record DreamOctave(int Index, long Height, long Width, IReadOnlyList<double> ObjectiveBefore, IReadOnlyList<double> ObjectiveAfter);
