namespace CnnVis.Training.Tests.Models;

/// <summary>Another user-defined model with the very same layers and state-dict keys as <see cref="TinyUserCnn"/>: only its type tells them apart.</summary>
public sealed class OtherUserCnn : TinyUserCnn;
