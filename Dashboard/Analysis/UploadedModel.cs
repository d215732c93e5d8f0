namespace CnnVis.Dashboard.Analysis;

/// <summary>An uploaded PyTorch state_dict (.pt) for a zoo model, checked to load into it, kept in memory only.</summary>
public sealed record UploadedModel(string FileName, string Model, byte[] Bytes);
