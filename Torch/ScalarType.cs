namespace CnnVis.Torch;

/// <summary>Element types; the values are libtorch's c10::ScalarType codes, the names TorchSharp's.</summary>
public enum ScalarType : int
{
    Byte = 0,
    Int8 = 1,
    Int16 = 2,
    Int32 = 3,
    Int64 = 4,
    Float16 = 5,
    Float32 = 6,
    Float64 = 7,
    Bool = 11,
    BFloat16 = 15,
}
