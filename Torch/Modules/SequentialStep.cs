namespace CnnVis.Torch.Modules;

/// <summary>One step of a <see cref="Sequential"/>'s forward: <paramref name="Count"/> children from <paramref name="First"/> on, run as <paramref name="Path"/> says.</summary>
public sealed record SequentialStep(int First, int Count, SequentialPath Path);
