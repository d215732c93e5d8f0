namespace CnnVis.Torch;

/// <summary>Element-wise arithmetic, reductions and shape operations, named as in PyTorch.</summary>
public partial class Tensor
{
    public static Tensor operator +(Tensor a, Tensor b) => Ops.add_Tensor.Call(a, b);
    public static Tensor operator +(Tensor a, double b) => Ops.add_Scalar.Call(a, b);
    public static Tensor operator +(double a, Tensor b) => Ops.add_Scalar.Call(b, a);
    public static Tensor operator -(Tensor a, Tensor b) => Ops.sub_Tensor.Call(a, b);
    public static Tensor operator -(Tensor a, double b) => Ops.sub_Scalar.Call(a, b);
    public static Tensor operator -(double a, Tensor b) => Ops.rsub_Scalar.Call(b, a);
    public static Tensor operator -(Tensor a) => Ops.neg.Call(a);
    public static Tensor operator *(Tensor a, Tensor b) => Ops.mul_Tensor.Call(a, b);
    public static Tensor operator *(Tensor a, double b) => Ops.mul_Scalar.Call(a, b);
    public static Tensor operator *(double a, Tensor b) => Ops.mul_Scalar.Call(b, a);
    public static Tensor operator /(Tensor a, Tensor b) => Ops.div_Tensor.Call(a, b);
    public static Tensor operator /(Tensor a, double b) => Ops.div_Scalar.Call(a, b);
    public static Tensor operator /(double a, Tensor b)
    {
        using var r = Op.Find("aten::reciprocal").Call(b);
        return Ops.mul_Scalar.Call(r, a);
    }

    public Tensor add(Tensor other, double alpha = 1) => Ops.add_Tensor.Call(this, other, alpha);
    public Tensor add(double other) => Ops.add_Scalar.Call(this, other);
    public Tensor sub(Tensor other, double alpha = 1) => Ops.sub_Tensor.Call(this, other, alpha);
    public Tensor mul(Tensor other) => Ops.mul_Tensor.Call(this, other);
    public Tensor mul(double other) => Ops.mul_Scalar.Call(this, other);
    public Tensor div(Tensor other) => Ops.div_Tensor.Call(this, other);
    public Tensor div(double other) => Ops.div_Scalar.Call(this, other);
    public Tensor pow(double exponent) => Ops.pow_Tensor_Scalar.Call(this, exponent);
    public Tensor pow(Tensor exponent) => Ops.pow_Tensor_Tensor.Call(this, exponent);
    public Tensor neg() => Ops.neg.Call(this);
    public Tensor abs() => Ops.abs.Call(this);
    public Tensor exp() => Ops.exp.Call(this);
    public Tensor log() => Ops.log.Call(this);
    public Tensor sqrt() => Ops.sqrt.Call(this);
    public Tensor rsqrt() => Ops.rsqrt.Call(this);
    public Tensor sigmoid() => Ops.sigmoid.Call(this);
    public Tensor tanh() => Ops.tanh.Call(this);
    public Tensor relu() => Ops.relu.Call(this);
    public Tensor sign() => Ops.sign.Call(this);
    public Tensor floor() => Ops.floor.Call(this);
    public Tensor round() => Ops.round.Call(this);
    public Tensor clamp(double? min = null, double? max = null) =>
        Ops.clamp.Call(this, min is { } lo ? lo : OpArg.None, max is { } hi ? hi : OpArg.None);
    public Tensor clamp_min(double min) => Ops.clamp_min.Call(this, min);
    public Tensor clamp_max(double max) => Ops.clamp_max.Call(this, max);
    public Tensor maximum(Tensor other) => Ops.maximum.Call(this, other);
    public Tensor minimum(Tensor other) => Ops.minimum.Call(this, other);
    public Tensor matmul(Tensor other) => Ops.matmul.Call(this, other);
    public Tensor mm(Tensor other) => Ops.mm.Call(this, other);

    // In place: these change this tensor and return it (no new handle).
    public Tensor add_(Tensor other, double alpha = 1) { Ops.add__Tensor.Call(this, other, alpha).Dispose(); return this; }
    public Tensor add_(double other) { Ops.add__Scalar.Call(this, other).Dispose(); return this; }
    public Tensor add_(long other) { Ops.add__Scalar.Call(this, other).Dispose(); return this; }
    public Tensor sub_(Tensor other, double alpha = 1) { Ops.sub__Tensor.Call(this, other, alpha).Dispose(); return this; }
    public Tensor mul_(Tensor other) { Ops.mul__Tensor.Call(this, other).Dispose(); return this; }
    public Tensor mul_(double other) { Ops.mul__Scalar.Call(this, other).Dispose(); return this; }
    public Tensor div_(Tensor other) { Ops.div__Tensor.Call(this, other).Dispose(); return this; }
    public Tensor div_(double other) { Ops.div__Scalar.Call(this, other).Dispose(); return this; }
    public Tensor addcmul_(Tensor t1, Tensor t2, double value = 1) { Ops.addcmul_.Call(this, t1, t2, value).Dispose(); return this; }
    public Tensor addcdiv_(Tensor t1, Tensor t2, double value = 1) { Ops.addcdiv_.Call(this, t1, t2, value).Dispose(); return this; }
    public Tensor copy_(Tensor src) { Ops.copy_.Call(this, src).Dispose(); return this; }
    public Tensor relu_() { Ops.relu_.Call(this).Dispose(); return this; }
    public Tensor zero_() { Ops.zero_.Call(this).Dispose(); return this; }
    public Tensor fill_(double value) { Ops.fill__Scalar.Call(this, value).Dispose(); return this; }
    public Tensor lerp_(Tensor end, double weight) { Ops.lerp__Scalar.Call(this, end, weight).Dispose(); return this; }
    public Tensor normal_(double mean = 0, double std = 1) { Ops.normal_.Call(this, mean, std).Dispose(); return this; }
    public Tensor uniform_(double from = 0, double to = 1) { Ops.uniform_.Call(this, from, to).Dispose(); return this; }
    public Tensor clamp_(double? min = null, double? max = null)
    {
        Ops.clamp_.Call(this, min is { } lo ? lo : OpArg.None, max is { } hi ? hi : OpArg.None).Dispose();
        return this;
    }
    public Tensor sqrt_() { Ops.sqrt_.Call(this).Dispose(); return this; }

    // Comparisons give bool tensors.
    public Tensor eq(Tensor other) => Ops.eq_Tensor.Call(this, other);
    public Tensor eq(double other) => Ops.eq_Scalar.Call(this, other);
    public Tensor ne(Tensor other) => Ops.ne_Tensor.Call(this, other);
    public Tensor ne(double other) => Ops.ne_Scalar.Call(this, other);
    public Tensor gt(Tensor other) => Ops.gt_Tensor.Call(this, other);
    public Tensor gt(double other) => Ops.gt_Scalar.Call(this, other);
    public Tensor lt(Tensor other) => Ops.lt_Tensor.Call(this, other);
    public Tensor lt(double other) => Ops.lt_Scalar.Call(this, other);
    public Tensor ge(Tensor other) => Ops.ge_Tensor.Call(this, other);
    public Tensor ge(double other) => Ops.ge_Scalar.Call(this, other);
    public Tensor le(Tensor other) => Ops.le_Tensor.Call(this, other);
    public Tensor le(double other) => Ops.le_Scalar.Call(this, other);
    public Tensor logical_and(Tensor other) => Ops.logical_and.Call(this, other);
    public Tensor logical_not() => Ops.logical_not.Call(this);
    public Tensor where(Tensor condition, Tensor other) => Ops.where_self.Call(condition, this, other);
    public Tensor masked_fill(Tensor mask, double value) => Ops.masked_fill_Scalar.Call(this, mask, value);
    public bool allclose(Tensor other, double rtol = 1e-5, double atol = 1e-8) => (bool)Ops.allclose.Invoke(this, other, rtol, atol, false)[0]!;
    public bool equal(Tensor other) => (bool)Ops.equal.Invoke(this, other)[0]!;

    // Reductions.
    public Tensor sum() => Ops.sum.Call(this);
    public Tensor sum(long dim, bool keepdim = false) => Ops.sum_dim_IntList.Call(this, new[] { dim }, keepdim);
    public Tensor sum(long[] dims, bool keepdim = false) => Ops.sum_dim_IntList.Call(this, dims, keepdim);
    public Tensor mean() => Ops.mean.Call(this);
    public Tensor mean(long dim, bool keepdim = false) => Ops.mean_dim.Call(this, new[] { dim }, keepdim);
    public Tensor mean(long[] dims, bool keepdim = false) => Ops.mean_dim.Call(this, dims, keepdim);
    public Tensor prod() => Ops.prod.Call(this);
    public Tensor max() => Ops.max.Call(this);
    public (Tensor values, Tensor indexes) max(long dim, bool keepdim = false) => Pair(Ops.max_dim.CallMany(this, dim, keepdim));
    public Tensor min() => Ops.min.Call(this);
    public (Tensor values, Tensor indexes) min(long dim, bool keepdim = false) => Pair(Ops.min_dim.CallMany(this, dim, keepdim));
    public Tensor amax(long[] dims, bool keepdim = false) => Ops.amax.Call(this, dims, keepdim);
    public Tensor amin(long[] dims, bool keepdim = false) => Ops.amin.Call(this, dims, keepdim);
    public Tensor argmax() => Ops.argmax.Call(this);
    public Tensor argmax(long dim, bool keepdim = false) => Ops.argmax.Call(this, dim, keepdim);
    public Tensor argmin(long dim, bool keepdim = false) => Ops.argmin.Call(this, dim, keepdim);
    public (Tensor values, Tensor indexes) topk(long k, long dim = -1, bool largest = true, bool sorted = true) =>
        Pair(Ops.topk.CallMany(this, k, dim, largest, sorted));
    public (Tensor values, Tensor indexes) sort(long dim = -1, bool descending = false) => Pair(Ops.sort.CallMany(this, dim, descending));
    public Tensor argsort(long dim = -1, bool descending = false) => Ops.argsort.Call(this, dim, descending);
    public Tensor cumsum(long dim) => Ops.cumsum.Call(this, dim);
    public Tensor std(bool unbiased = true) => Ops.std.Call(this, unbiased);
    public Tensor var(bool unbiased = true) => Ops.var.Call(this, unbiased);
    public Tensor norm(double p = 2) => Ops.norm_Scalar.Call(this, p);
    public Tensor all() => Ops.all.Call(this);
    public Tensor any() => Ops.any.Call(this);

    // Shapes and layout.
    public Tensor reshape(params long[] shape) => Ops.reshape.Call(this, shape);
    public Tensor view(params long[] shape) => Ops.view.Call(this, shape);
    public Tensor flatten(long start_dim = 0, long end_dim = -1) => Ops.flatten_using_ints.Call(this, start_dim, end_dim);
    public Tensor unsqueeze(long dim) => Ops.unsqueeze.Call(this, dim);
    public Tensor squeeze() => Ops.squeeze.Call(this);
    public Tensor squeeze(long dim) => Ops.squeeze_dim.Call(this, dim);
    public Tensor permute(params long[] dims) => Ops.permute.Call(this, dims);
    public Tensor transpose(long dim0, long dim1) => Ops.transpose_int.Call(this, dim0, dim1);
    public Tensor t() => Ops.t.Call(this);
    public Tensor T => t();
    public Tensor expand(params long[] size) => Ops.expand.Call(this, size);
    public Tensor expand_as(Tensor other) => Ops.expand.Call(this, other.shape);
    public Tensor repeat(params long[] repeats) => Ops.repeat.Call(this, repeats);
    public Tensor flip(params long[] dims) => Ops.flip.Call(this, dims);
    public Tensor roll(long[] shifts, long[] dims) => Ops.roll.Call(this, shifts, dims);
    public Tensor contiguous() => Ops.contiguous.Call(this, (long)MemoryFormat.Contiguous);
    public Tensor contiguous(MemoryFormat format) => Ops.contiguous.Call(this, (long)format);

    /// <summary>
    /// A copy with channels-last strides, which makes a convolution run in channels-last layout whatever its weights'
    /// layout. Unlike contiguous(ChannelsLast), which returns the tensor itself when one channel (or a 1×1 image) makes
    /// the two layouts the same memory, this always has channels-last strides. 4-D tensors only.
    /// </summary>
    public Tensor to_channels_last()
    {
        if (Dimensions != 4) throw new ArgumentException($"channels-last layout needs a 4-D [N, C, H, W] tensor, got shape [{string.Join(", ", shape)}]");
        if (device.type != DeviceType.CPU) return contiguous(MemoryFormat.ChannelsLast);
        var copy = torch.empty(shape, dtype, MemoryFormat.ChannelsLast);
        copy.copy_(this);
        return copy;
    }
    public Tensor clone() => Ops.clone.Call(this);
    public Tensor to(ScalarType type) => Ops.to_dtype.Call(this, type);
    public Tensor to_type(ScalarType type) => to(type);
    public Tensor @float() => to(ScalarType.Float32);
    public Tensor @double() => to(ScalarType.Float64);
    public Tensor @long() => to(ScalarType.Int64);
    public Tensor @byte() => to(ScalarType.Byte);
    public Tensor @bool() => to(ScalarType.Bool);

    // Selection.
    public Tensor select(long dim, long index) => Ops.select_int.Call(this, dim, index);
    public Tensor narrow(long dim, long start, long length) => Ops.narrow.Call(this, dim, start, length);
    public Tensor slice(long dim, long? start, long? end, long step = 1) =>
        Ops.slice_Tensor.Call(this, dim, start is { } s ? s : OpArg.None, end is { } e ? e : OpArg.None, step);
    public Tensor index_select(long dim, Tensor index) => Ops.index_select.Call(this, dim, index);
    public Tensor gather(long dim, Tensor index) => Ops.gather.Call(this, dim, index);
    public Tensor index(params Tensor?[] indices) => Ops.index_Tensor.Call(this, OpArg.OptionalTensors(indices));
    public Tensor index_put_(Tensor?[] indices, Tensor values, bool accumulate = false)
    {
        Ops.index_put_.Call(this, OpArg.OptionalTensors(indices), values, accumulate).Dispose();
        return this;
    }
    public Tensor[] chunk(long chunks, long dim = 0) => Ops.chunk.CallMany(this, chunks, dim);

    /// <summary>A copy with <paramref name="source"/>'s slices (times <paramref name="alpha"/>) added at <paramref name="index"/> along <paramref name="dim"/>; repeated indices accumulate.</summary>
    public Tensor index_add(long dim, Tensor index, Tensor source, double alpha = 1) => Ops.index_add.Call(this, dim, index, source, alpha);

    /// <summary>A copy with <paramref name="source"/>'s slices written at <paramref name="index"/> along <paramref name="dim"/>.</summary>
    public Tensor index_copy(long dim, Tensor index, Tensor source) => Ops.index_copy.Call(this, dim, index, source);

    private static (Tensor, Tensor) Pair(Tensor[] r) => (r[0], r[1]);
}
