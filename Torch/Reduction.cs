namespace CnnVis.Torch;

/// <summary>How a loss reduces over the batch; the values are libtorch's.</summary>
public enum Reduction : long
{
    None = 0,
    Mean = 1,
    Sum = 2,
}
