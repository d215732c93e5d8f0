namespace CnnVis.Torch;

/// <summary>Kinds of device; the values are libtorch's c10::DeviceType codes.</summary>
public enum DeviceType : int
{
    CPU = 0,
    CUDA = 1,
}

/// <summary>Where a tensor's memory lives.</summary>
public readonly record struct Device(DeviceType type, int index = -1)
{
    public static readonly Device CPU = new(DeviceType.CPU);

    public static Device CUDA(int index = 0) => new(DeviceType.CUDA, index);

    public override string ToString() => (type == DeviceType.CPU ? "cpu" : "cuda") + (index >= 0 ? $":{index}" : "");
}
