namespace CnnVis.Dashboard.Analysis;

/// <summary>An uploaded file the dashboard will not use: too large, not what it claims, or not readable; the message names it and why.</summary>
public sealed class UploadRefusedException(string message, Exception? inner = null) : Exception(message, inner);
