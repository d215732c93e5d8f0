using F = CnnVis.Torch.torch.nn.functional;

namespace CnnVis.Torch.Tests;

/// <summary>
/// Bad input gives a typed exception whose message says what was wrong, never a crash; the engine keeps working
/// afterwards and nothing already stored is changed.
/// </summary>
public class BadInputTests
{
    [Fact]
    public void Conv2dWithTheWrongNumberOfChannels()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.zeros(new long[] { 1, 3, 5, 5 });
        var w = torch.zeros(new long[] { 4, 2, 3, 3 });
        var e = Assert.Throws<TorchException>(() => F.conv2d(x, w));
        Assert.Contains("aten::conv2d", e.Message);
        Assert.Contains("expected input[1, 3, 5, 5] to have 2 channels, but got 3 channels", e.Message);
        // libtorch's C++ backtrace stays out of the message.
        Assert.DoesNotContain("frame #", e.Message);
        var small = torch.zeros(new long[] { 1, 2, 2, 2 });
        var tooSmall = Assert.Throws<TorchException>(() => F.conv2d(small, w));
        Assert.Contains("Kernel size can't be greater than actual input size", tooSmall.Message);
    }

    [Fact]
    public void MatmulOfMismatchedShapes()
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.zeros(new long[] { 2, 3 });
        var b = torch.zeros(new long[] { 4, 5 });
        var e = Assert.Throws<TorchException>(() => a.matmul(b));
        Assert.Contains("aten::matmul", e.Message);
        Assert.Contains("cannot be multiplied (2x3 and 4x5)", e.Message);
        var mm = Assert.Throws<TorchException>(() => a.mm(b));
        Assert.Contains("cannot be multiplied (2x3 and 4x5)", mm.Message);
        var lin = Assert.Throws<TorchException>(() => F.linear(a, b));
        Assert.Contains("cannot be multiplied", lin.Message);
        var add = Assert.Throws<TorchException>(() => a + b);
        Assert.Contains("The size of tensor a (3) must match the size of tensor b (5)", add.Message);
    }

    [Fact]
    public void ReadingElementsAsTheWrongType()
    {
        using var scope = torch.NewDisposeScope();
        var t = torch.tensor(new long[] { 1, 2 });
        var e = Assert.Throws<ArgumentException>(() => t.data<float>());
        Assert.Contains("Int64", e.Message);
        Assert.Contains("Single", e.Message);
        Assert.Throws<ArgumentException>(() => torch.tensor(new[] { 1.0 }).data<float>());
        var unsupported = Assert.Throws<NotSupportedException>(() => torch.tensor(new[] { 1.0 }).item<decimal>());
        Assert.Contains("Decimal", unsupported.Message);
        var notOne = Assert.Throws<TorchException>(() => t.item<long>());
        Assert.Contains("a Tensor with 2 elements cannot be converted to Scalar", notOne.Message);
    }

    [Fact]
    public void CrossEntropyWithFloatTargets()
    {
        using var scope = torch.NewDisposeScope();
        var logits = torch.zeros(new long[] { 3, 4 });
        var floatTargets = torch.tensor(new[] { 1f, 0f, 2f });
        var e = Assert.Throws<ArgumentException>(() => F.cross_entropy(logits, floatTargets));
        Assert.Equal("target", e.ParamName);
        Assert.Contains("int64 class indices", e.Message);
        Assert.Contains("got Float32 of shape [3]", e.Message);
        Assert.Throws<ArgumentException>(() => F.cross_entropy(logits, torch.tensor(new[] { 1, 0, 2 })));
        var outOfRange = Assert.Throws<TorchException>(() => F.cross_entropy(logits, torch.tensor(new long[] { 1, 7, 0 })));
        Assert.Contains("out of bounds", outOfRange.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => F.cross_entropy(logits, torch.tensor(new long[] { 1, 2, 0 }), label_smoothing: 1.5));
    }

    [Fact]
    public void UnknownOperators()
    {
        var e = Assert.Throws<TorchException>(() => Op.Find("aten::no_such_operator"));
        Assert.Contains("unknown operator 'aten::no_such_operator'", e.Message);
        var overload = Assert.Throws<TorchException>(() => Op.Find("aten::add", "NoSuchOverload"));
        Assert.Contains("unknown operator 'aten::add.NoSuchOverload'", overload.Message);
        var bare = Assert.Throws<TorchException>(() => Op.Find("no_such_thing"));
        Assert.Contains("'aten::no_such_thing'", bare.Message);
        using var x = torch.ones(new long[] { 2 });
        var invoked = Assert.Throws<TorchException>(() => torch.ops.invoke("cnnvis::no_such_relu", x));
        Assert.Contains("unknown operator 'cnnvis::no_such_relu'", invoked.Message);
        Assert.Throws<TorchException>(() => Op.Find(""));
        // The operator that does exist is still found afterwards.
        Assert.Equal("aten::add.Tensor", Op.Parse("aten::add.Tensor").QualifiedName);
    }

    [Fact]
    public void WrongArgumentCountsAndTypes()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.ones(new long[] { 2 });
        var tooMany = Assert.Throws<TorchException>(() => torch.ops.invoke("aten::relu", x, x));
        Assert.Contains("aten::relu", tooMany.Message);
        Assert.Contains("at most 1 argument", tooMany.Message);
        Assert.Contains("received 2", tooMany.Message);
        var tooFew = Assert.Throws<TorchException>(() => torch.ops.invoke("aten::add.Tensor", x));
        Assert.Contains("aten::add.Tensor", tooFew.Message);
        Assert.Contains("other", tooFew.Message);
        var none = Assert.Throws<TorchException>(() => torch.ops.invoke("aten::relu"));
        Assert.Contains("self", none.Message);
        var wrongType = Assert.Throws<TorchException>(() => torch.ops.invoke("aten::relu", 3L));
        Assert.Contains("self", wrongType.Message);
        var notAnArgument = Assert.Throws<ArgumentException>(() => torch.ops.invoke("aten::relu", DateTime.Now));
        Assert.Contains("DateTime", notAnArgument.Message);
        // A correct call afterwards works: the failure left nothing behind.
        var ok = (Tensor)torch.ops.invoke("aten::add.Tensor", x, x, 2.0)[0]!;
        Assert.Equal(new[] { 3f, 3f }, ok.data<float>());
    }

    [Fact]
    public void BadShapesAndIndexes()
    {
        using var scope = torch.NewDisposeScope();
        var t = torch.arange(6);
        var reshape = Assert.Throws<TorchException>(() => t.reshape(4));
        Assert.Contains("shape '[4]' is invalid for input of size 6", reshape.Message);
        var index = Assert.Throws<IndexOutOfRangeException>(() => t[6]);
        Assert.Contains("index 6 is out of range for dimension 0 of size 6", index.Message);
        Assert.Throws<IndexOutOfRangeException>(() => t[-7]);
        var tooMany = Assert.Throws<ArgumentException>(() => t[0, 0]);
        Assert.Contains("too many indices", tooMany.Message);
        Assert.Throws<ArgumentException>(() => t[TensorIndex.Ellipsis, TensorIndex.Ellipsis]);
        var dim = Assert.Throws<ArgumentOutOfRangeException>(() => t.size(1));
        Assert.Contains("dimension 1 is out of range", dim.Message);
        var count = Assert.Throws<ArgumentException>(() => torch.tensor(new[] { 1f, 2f, 3f }, new long[] { 2, 2 }));
        Assert.Contains("needs 4 elements but 3 were given", count.Message);
        var negative = Assert.Throws<ArgumentException>(() => torch.tensor(new[] { 1f }, new long[] { -1 }));
        Assert.Contains("negative", negative.Message);
        var interp = Assert.Throws<ArgumentException>(() => F.interpolate(torch.zeros(new long[] { 1, 1, 2, 2 }), new long[] { 4 }));
        Assert.Contains("2-element size", interp.Message);
        var pool = Assert.Throws<TorchException>(() => F.max_pool2d(torch.zeros(new long[] { 1, 1, 2, 2 }), new long[] { 3, 3 }));
        Assert.Contains("aten::max_pool2d", pool.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => F.dropout(t.@float(), 1.5));
    }

    [Fact]
    public void UseAfterDispose()
    {
        var t = torch.ones(new long[] { 2 });
        var other = torch.ones(new long[] { 2 });
        t.Dispose();
        Assert.True(t.IsDisposed);
        Assert.Equal("Tensor(disposed)", t.ToString());
        var e = Assert.Throws<ObjectDisposedException>(() => t.shape);
        Assert.Contains("disposed", e.Message);
        Assert.Throws<ObjectDisposedException>(() => t + other);
        Assert.Throws<ObjectDisposedException>(() => other + t);
        Assert.Throws<ObjectDisposedException>(() => t.data<float>());
        Assert.Throws<ObjectDisposedException>(() => torch.ops.invoke("aten::relu", t));
        Assert.Throws<ObjectDisposedException>(() => torch.cat(new[] { other, t }));
        Assert.Throws<ObjectDisposedException>(() => t.backward());
        Assert.Throws<ObjectDisposedException>(() => torchvision.io.encode_png(t));
        using (var folder = Fixture.NewTempFolder())
        {
            Assert.Throws<ObjectDisposedException>(() => torch.save(new Dictionary<string, Tensor> { ["t"] = t }, folder.File("t.pt")));
            Assert.Empty(Directory.GetFiles(folder.Root));
        }
        // Disposing twice is harmless.
        t.Dispose();
        Assert.Equal(new[] { 1f, 1f }, other.data<float>());
        other.Dispose();

        var model = torch.nn.Linear(2, 1);
        model.Dispose();
        using var x = torch.ones(new long[] { 1, 2 });
        Assert.Throws<ObjectDisposedException>(() => model.call(x));
    }

    [Fact]
    public void GradientMisuse()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new[] { 1.0, 2.0 }, requires_grad: true);
        var nonScalar = x * 2;
        var e = Assert.Throws<TorchException>(() => nonScalar.backward());
        Assert.Contains("scalar outputs", e.Message);
        var y = (x * x).sum();
        y.backward();
        var twice = Assert.Throws<TorchException>(() => y.backward());
        Assert.Contains("second time", twice.Message);
        var z = (x * 3).sum();
        var unused = torch.tensor(new[] { 1.0 }, requires_grad: true);
        var notUsed = Assert.Throws<TorchException>(() => torch.autograd.grad(new[] { z }, new[] { unused }));
        Assert.Contains("autograd.grad", notUsed.Message);
        Assert.Contains("not have been used", notUsed.Message);
        var mismatch = Assert.Throws<ArgumentException>(() => torch.autograd.grad(new[] { z }, new[] { x }, new Tensor?[] { null, null }));
        Assert.Contains("grad_outputs has 2 entries but there are 1 outputs", mismatch.Message);
        var intGrad = Assert.Throws<TorchException>(() => torch.tensor(new long[] { 1, 2 }).requires_grad = true);
        Assert.Contains("requires_grad", intGrad.Message);
        Assert.Contains("floating point", intGrad.Message);
    }
}
