namespace CnnVis.Torch;

/// <summary>
/// A network layer or a whole network, as torch.nn.Module. Parameters, buffers and children are
/// registered explicitly in constructors, in order; state_dict keys are PyTorch's dotted paths.
/// </summary>
public abstract class Module : IDisposable
{
    private readonly OrderedDictionary<string, Parameter?> _parameters = new();
    private readonly OrderedDictionary<string, Tensor?> _buffers = new();
    private readonly HashSet<string> _nonPersistent = new();
    private readonly OrderedDictionary<string, Module> _children = new();
    private readonly List<ForwardHook> _forwardHooks = new();
    private bool _disposed;

    /// <summary>
    /// A hook sees (module, input, output) and may return a replacement output (or null to keep it). The output
    /// belongs to the forward pass, which may free it: a hook that keeps it must keep output.alias(), which
    /// (like anything a hook makes) joins no dispose scope, so the hook's owner disposes it.
    /// </summary>
    public delegate Tensor? ForwardHook(Module module, Tensor input, Tensor output);

    public bool training { get; private set; } = true;

    /// <summary>The type name, as PyTorch prints modules.</summary>
    public virtual string GetName() => GetType().Name;

    public abstract Tensor forward(Tensor input);

    /// <summary>Runs forward and then any forward hooks. Containers call children through this.</summary>
    public Tensor call(Tensor input)
    {
        var output = forward(input);
        if (_forwardHooks.Count == 0) return output;
        foreach (var hook in _forwardHooks.ToArray())
        {
            // Hooks run outside the forward's dispose scopes: what they keep is theirs to dispose.
            var current = output;
            var replaced = DisposeScope.WithoutScope(() => hook(this, input, current));
            if (replaced is null || ReferenceEquals(replaced, output)) continue;
            // A replacement output belongs to the forward pass, like the output it replaces. A hook that passes the
            // input through gets a new handle to it, so the caller's own tensor is never handed back to be freed.
            if (ReferenceEquals(replaced, input)) replaced = input.alias();
            else DisposeScope.Register(replaced);
            output = replaced;
        }
        return output;
    }

    /// <summary>Registers a forward hook; dispose the returned handle to remove it.</summary>
    public IDisposable register_forward_hook(ForwardHook hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        _forwardHooks.Add(hook);
        return new HookHandle(() => _forwardHooks.Remove(hook));
    }

    /// <summary>How many forward hooks this module (not its children) holds: tests prove hooks are removed.</summary>
    public int ForwardHookCount => _forwardHooks.Count;

    private sealed class HookHandle(Action remove) : IDisposable
    {
        private Action? _remove = remove;

        public void Dispose()
        {
            _remove?.Invoke();
            _remove = null;
        }
    }

    protected void register_parameter(string name, Parameter? parameter)
    {
        CheckName(name);
        _parameters[name] = parameter;
    }

    protected void register_buffer(string name, Tensor? buffer, bool persistent = true)
    {
        CheckName(name);
        buffer?.DetachFromDisposeScope();
        _buffers[name] = buffer;
        if (!persistent) _nonPersistent.Add(name);
    }

    protected T register_module<T>(string name, T module) where T : Module
    {
        CheckName(name);
        ArgumentNullException.ThrowIfNull(module);
        _children[name] = module;
        return module;
    }

    private void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
            throw new ArgumentException($"'{name}' is not a valid member name: it must be non-empty and contain no '.'");
        if (_parameters.ContainsKey(name) || _buffers.ContainsKey(name) || _children.ContainsKey(name))
            throw new ArgumentException($"{GetName()} already has a member named '{name}'");
    }

    /// <summary>Replaces a registered buffer's tensor (e.g. after loading); the old one is disposed.</summary>
    protected void set_buffer(string name, Tensor value)
    {
        if (!_buffers.TryGetValue(name, out var old)) throw new ArgumentException($"{GetName()} has no buffer '{name}'");
        value.DetachFromDisposeScope();
        _buffers[name] = value;
        if (!ReferenceEquals(old, value)) old?.Dispose();
    }

    protected Tensor? get_buffer(string name) => _buffers.TryGetValue(name, out var b) ? b : null;

    public IEnumerable<(string name, Module module)> named_children() => _children.Select(kv => (kv.Key, kv.Value));

    public IEnumerable<Module> children() => _children.Values;

    /// <summary>This module and every descendant, with dotted paths ("" for this one), as PyTorch's named_modules.</summary>
    public IEnumerable<(string name, Module module)> named_modules()
    {
        yield return ("", this);
        foreach (var (name, child) in named_children())
        {
            foreach (var (sub, m) in child.named_modules()) yield return (sub.Length == 0 ? name : $"{name}.{sub}", m);
        }
    }

    public IEnumerable<Module> modules() => named_modules().Select(x => x.module);

    /// <summary>The descendant at a dotted path ("features.3"); throws naming the path when there is none.</summary>
    public Module get_submodule(string path)
    {
        if (string.IsNullOrEmpty(path)) return this;
        Module current = this;
        foreach (var part in path.Split('.'))
        {
            if (!current._children.TryGetValue(part, out var next))
            {
                var available = string.Join(", ", named_modules().Select(m => m.name).Where(n => n.Length > 0));
                throw new ArgumentException($"the model has no layer '{path}'. Layers: {available}");
            }
            current = next;
        }
        return current;
    }

    public IEnumerable<(string name, Parameter parameter)> named_parameters(bool recurse = true)
    {
        foreach (var (name, p) in _parameters)
        {
            if (p is not null) yield return (name, p);
        }
        if (!recurse) yield break;
        foreach (var (childName, child) in named_children())
        {
            foreach (var (name, p) in child.named_parameters()) yield return ($"{childName}.{name}", p);
        }
    }

    public IEnumerable<Parameter> parameters(bool recurse = true) => named_parameters(recurse).Select(x => x.parameter);

    public IEnumerable<(string name, Tensor buffer)> named_buffers(bool recurse = true, bool persistentOnly = false)
    {
        foreach (var (name, b) in _buffers)
        {
            if (b is not null && !(persistentOnly && _nonPersistent.Contains(name))) yield return (name, b);
        }
        if (!recurse) yield break;
        foreach (var (childName, child) in named_children())
        {
            foreach (var (name, b) in child.named_buffers(true, persistentOnly)) yield return ($"{childName}.{name}", b);
        }
    }

    public IEnumerable<Tensor> buffers(bool recurse = true) => named_buffers(recurse).Select(x => x.buffer);

    /// <summary>
    /// Sets training mode here and in every descendant; returns this. A model may override it to keep part of
    /// itself in evaluation mode (a frozen backbone's batch norms keep their statistics while its head trains).
    /// </summary>
    public virtual Module train(bool mode = true)
    {
        foreach (var m in modules()) m.training = mode;
        return this;
    }

    public Module eval() => train(false);

    /// <summary>
    /// Lays every 4-D parameter and buffer out in <paramref name="format"/> in place (PyTorch's
    /// <c>model.to(memory_format=...)</c>); channels-last lets oneDNN run convolutions without reordering.
    /// </summary>
    public Module to(MemoryFormat format)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        foreach (var t in parameters().Cast<Tensor>().Concat(buffers()))
        {
            if (t.Dimensions == 4) t.set_data(t.contiguous(format));
        }
        return this;
    }

    /// <summary>Forgets every parameter's gradient (sets .grad to none, as PyTorch's default).</summary>
    public void zero_grad()
    {
        foreach (var p in parameters()) p.grad = null;
    }

    /// <summary>
    /// Parameters and persistent buffers by dotted path, in registration order. The tensors are the
    /// module's own (not copies): do not dispose them.
    /// </summary>
    public OrderedDictionary<string, Tensor> state_dict()
    {
        var result = new OrderedDictionary<string, Tensor>();
        AddState(result, "");
        return result;
    }

    private void AddState(OrderedDictionary<string, Tensor> into, string prefix)
    {
        foreach (var (name, p) in _parameters)
        {
            if (p is not null) into[prefix + name] = p;
        }
        foreach (var (name, b) in _buffers)
        {
            if (b is not null && !_nonPersistent.Contains(name)) into[prefix + name] = b;
        }
        foreach (var (name, child) in _children) child.AddState(into, $"{prefix}{name}.");
    }

    /// <summary>
    /// Copies values from <paramref name="source"/> into this module's parameters and buffers. Shapes must match.
    /// With <paramref name="strict"/>, missing and unexpected keys are errors too; the error lists every bad key
    /// and nothing is changed. Returns the missing and unexpected keys.
    /// </summary>
    public (IReadOnlyList<string> missing, IReadOnlyList<string> unexpected) load_state_dict(IReadOnlyDictionary<string, Tensor> source, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(source);
        var own = state_dict();
        var missing = own.Keys.Where(k => !source.ContainsKey(k)).ToList();
        var unexpected = source.Keys.Where(k => !own.ContainsKey(k)).ToList();
        var misshaped = new List<string>();
        foreach (var (key, target) in own)
        {
            if (!source.TryGetValue(key, out var value)) continue;
            var a = target.shape;
            var b = value.shape;
            if (!a.SequenceEqual(b)) misshaped.Add($"{key} (model [{string.Join(", ", a)}], file [{string.Join(", ", b)}])");
        }
        if (misshaped.Count > 0 || (strict && (missing.Count > 0 || unexpected.Count > 0)))
        {
            var parts = new List<string>();
            if (missing.Count > 0) parts.Add("missing keys: " + string.Join(", ", missing));
            if (unexpected.Count > 0) parts.Add("unexpected keys: " + string.Join(", ", unexpected));
            if (misshaped.Count > 0) parts.Add("mis-shaped keys: " + string.Join(", ", misshaped));
            throw new StateDictMismatchException($"the state dict does not fit {GetName()}: " + string.Join("; ", parts), missing, unexpected, misshaped);
        }
        using (torch.no_grad())
        {
            foreach (var (key, target) in own)
            {
                if (!source.TryGetValue(key, out var value)) continue;
                if (value.dtype == target.dtype)
                {
                    target.copy_(value);
                }
                else
                {
                    using var converted = value.to(target.dtype);
                    target.copy_(converted);
                }
            }
        }
        return (missing, unexpected);
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (_disposed || !disposing) return;
        _disposed = true;
        foreach (var p in _parameters.Values) p?.Dispose();
        foreach (var b in _buffers.Values) b?.Dispose();
        foreach (var c in _children.Values) c.Dispose();
    }
}
