namespace CnnVis.Monitor.Store;

/// <summary>
/// A probe image of a run: its position among the probes, its index in the validation data, its label, why it is
/// a probe ("class" for the per-class picks, "explicit", "wrong" for a most-confidently-wrong image), the step it
/// joined at, and the image as a person sees it (uint8, C × H × W).
/// </summary>
public sealed record ProbeRecord(int Probe, int DatasetIndex, int Label, string Kind, long AddedAtStep, int Channels, int Height, int Width, byte[] Image);
