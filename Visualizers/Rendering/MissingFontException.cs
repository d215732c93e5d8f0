namespace CnnVis.Visualizers.Rendering;

/// <summary>
/// No font could be found to write a picture's labels with: a problem of the machine's setup (or of the font file
/// named by CNNVIS_FONT) that the user fixes by installing a font, not a defect of CnnVis.
/// </summary>
public sealed class MissingFontException(string message) : InvalidOperationException(message);
