using System.Runtime.InteropServices;

namespace CnnVis.Torch.Native;

/// <summary>Tags of <see cref="CvValue"/>; mirror the enum in cnnvis_torch.h.</summary>
internal enum CvTag : int
{
    None = 0,
    Tensor = 1,
    Int = 2,
    Double = 3,
    Bool = 4,
    IntList = 5,
    DoubleList = 6,
    TensorList = 7,
    String = 8,
    Device = 9,
    OptionalTensorList = 10,
    BoolList = 11,
}

/// <summary>One packed operator argument or result; layout of cv_value in cnnvis_torch.h.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CvValue
{
    public CvTag Tag;
    public int Count;
    public long I;
    public double D;
    public IntPtr P;
}
