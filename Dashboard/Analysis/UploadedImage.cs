namespace CnnVis.Dashboard.Analysis;

/// <summary>An uploaded picture, decoded and kept in memory only: uint8 pixels laid out [H, W, C].</summary>
public sealed record UploadedImage(string FileName, int Height, int Width, int Channels, byte[] Pixels);
