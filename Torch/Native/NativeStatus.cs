namespace CnnVis.Torch.Native;

/// <summary>The status codes every native entry point returns; mirror the enum in cnnvis_torch.h.</summary>
internal static class NativeStatus
{
    public const int Ok = 0;

    /// <summary>The input was refused: a bad argument, shape, type or file.</summary>
    public const int Error = 1;

    public const int OutOfMemory = 2;

    /// <summary>A defect: a failed internal assertion or an unknown native exception.</summary>
    public const int Internal = 3;
}
