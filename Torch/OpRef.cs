namespace CnnVis.Torch;

/// <summary>A named operator resolved on first use and then reused by the wrapper that holds it.</summary>
internal sealed class OpRef(string qualifiedName)
{
    private Op? _op;

    public Op Op => _op ??= Op.Parse(qualifiedName);

    public Tensor Call(params ReadOnlySpan<OpArg> args) => Op.Call(args);

    public Tensor[] CallMany(params ReadOnlySpan<OpArg> args) => Op.CallMany(args);

    public object?[] Invoke(params ReadOnlySpan<OpArg> args) => Op.Invoke(args);
}
