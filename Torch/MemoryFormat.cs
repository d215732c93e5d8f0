namespace CnnVis.Torch;

/// <summary>How a tensor's elements are laid out in memory; the values are libtorch's.</summary>
public enum MemoryFormat : long
{
    Contiguous = 0,
    Preserve = 1,
    ChannelsLast = 2,
}
