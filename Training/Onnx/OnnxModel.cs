namespace CnnVis.Training.Onnx;

/// <summary>An ONNX model file as read: who wrote it, the default-domain operator-set version, and its graph.</summary>
public sealed record OnnxModel(string Source, long IrVersion, string Producer, long OpsetVersion, OnnxGraph Graph);
