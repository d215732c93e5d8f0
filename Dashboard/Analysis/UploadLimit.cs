namespace CnnVis.Dashboard.Analysis;

/// <summary>The most bytes one upload may have (--upload-mb, 10 MB by default).</summary>
public sealed record UploadLimit(long Bytes);
