namespace CnnVis.Torch;

/// <summary>One entry of a tensor index: a position, a slice, an ellipsis, a new axis or an index tensor.</summary>
public readonly record struct TensorIndex(TensorIndex.Kind kind, long index = 0, long? start = null, long? stop = null, long step = 1, Tensor? tensor = null)
{
    public enum Kind { Single, Slice, Ellipsis, None, Tensor }

    public static TensorIndex Single(long i) => new(Kind.Single, index: i);
    public static TensorIndex Slice(long? start = null, long? stop = null, long step = 1) => new(Kind.Slice, start: start, stop: stop, step: step);
    public static readonly TensorIndex Ellipsis = new(Kind.Ellipsis);
    public static readonly TensorIndex Colon = new(Kind.Slice);
    public static readonly TensorIndex None = new(Kind.None);
    public static TensorIndex Tensor(Tensor t) => new(Kind.Tensor, tensor: t);

    public static implicit operator TensorIndex(long i) => Single(i);
    public static implicit operator TensorIndex(int i) => Single(i);
    public static implicit operator TensorIndex(Tensor t) => Tensor(t);
    public static implicit operator TensorIndex(Range r) => Slice(
        r.Start.IsFromEnd ? -r.Start.Value : r.Start.Value,
        r.End.IsFromEnd ? (r.End.Value == 0 ? null : -r.End.Value) : r.End.Value);
}

public partial class Tensor
{
    /// <summary>PyTorch-style indexing: t[0], t[.., 1], t[TensorIndex.Ellipsis, 2], t[mask].</summary>
    public Tensor this[params TensorIndex[] indices] => Index(indices);

    private Tensor Index(TensorIndex[] indices)
    {
        var ndim = Dimensions;
        var consumed = indices.Count(i => i.kind is TensorIndex.Kind.Single or TensorIndex.Kind.Slice or TensorIndex.Kind.Tensor);
        if (indices.Count(i => i.kind == TensorIndex.Kind.Ellipsis) > 1) throw new ArgumentException("an index can hold only one ellipsis");
        if (consumed > ndim) throw new ArgumentException($"too many indices ({consumed}) for a tensor of {ndim} dimensions");

        using var scope = torch.NewDisposeScope();
        var current = alias();
        var dim = 0L;
        var tensorIndices = new List<(long dim, Tensor t)>();
        foreach (var ix in indices)
        {
            switch (ix.kind)
            {
                case TensorIndex.Kind.Single:
                {
                    var size = current.size((int)dim);
                    if (ix.index >= size || ix.index < -size)
                        throw new IndexOutOfRangeException($"index {ix.index} is out of range for dimension {dim} of size {size}");
                    current = current.select(dim, ix.index);
                    break;
                }
                case TensorIndex.Kind.Slice:
                    current = current.slice(dim, ix.start, ix.stop, ix.step);
                    dim++;
                    break;
                case TensorIndex.Kind.Ellipsis:
                    dim += ndim - consumed;
                    break;
                case TensorIndex.Kind.None:
                    current = current.unsqueeze(dim);
                    dim++;
                    break;
                case TensorIndex.Kind.Tensor:
                    tensorIndices.Add((dim, ix.tensor!));
                    dim++;
                    break;
            }
        }
        if (tensorIndices.Count > 0)
        {
            var list = new Tensor?[tensorIndices.Max(x => x.dim) + 1];
            foreach (var (d, t) in tensorIndices) list[d] = t;
            current = current.index(list);
        }
        return scope.MoveToOuter(current);
    }
}
