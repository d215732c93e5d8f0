namespace CnnVis.Torch.Tests;

/// <summary>Dispose scopes: nesting, moving tensors out, detaching them, and following an await.</summary>
public class DisposeScopeTests
{
    [Fact]
    public void AScopeFreesWhatWasMadeInsideIt()
    {
        Tensor a, b;
        var outside = torch.ones(new long[] { 1 });
        using (var scope = torch.NewDisposeScope())
        {
            Assert.Same(scope, DisposeScope.Current);
            a = torch.ones(new long[] { 2 });
            b = a + outside;
            Assert.Equal(2, scope.Count);
        }
        Assert.True(a.IsDisposed);
        Assert.True(b.IsDisposed);
        Assert.False(outside.IsDisposed);
        outside.Dispose();
    }

    [Fact]
    public void NestedScopesEndInnermostFirst()
    {
        Tensor outerTensor, innerTensor, moved;
        using (var outer = torch.NewDisposeScope())
        {
            outerTensor = torch.ones(new long[] { 1 });
            using (var inner = torch.NewDisposeScope())
            {
                Assert.Same(outer, inner.Outer);
                Assert.Same(inner, DisposeScope.Current);
                innerTensor = torch.ones(new long[] { 1 });
                moved = inner.MoveToOuter(torch.zeros(new long[] { 1 }));
                Assert.Equal(1, inner.Count);
            }
            Assert.Same(outer, DisposeScope.Current);
            Assert.True(innerTensor.IsDisposed);
            Assert.False(moved.IsDisposed);
            Assert.False(outerTensor.IsDisposed);
            Assert.Equal(2, outer.Count);
        }
        Assert.Null(DisposeScope.Current);
        Assert.True(moved.IsDisposed);
        Assert.True(outerTensor.IsDisposed);
    }

    [Fact]
    public void MoveToOuterFromTheOutermostScopeHandsTheTensorToTheCaller()
    {
        Tensor kept;
        using (var scope = torch.NewDisposeScope())
        {
            Assert.Null(scope.Outer);
            kept = torch.ones(new long[] { 1 }).MoveToOuterDisposeScope();
        }
        Assert.False(kept.IsDisposed);
        kept.Dispose();
        // A tensor made outside every scope is unaffected.
        using var free = torch.ones(new long[] { 1 });
        Assert.Same(free, free.MoveToOuterDisposeScope());
    }

    [Fact]
    public void MoveToOuterIgnoresATensorOfAnotherScope()
    {
        using var outer = torch.NewDisposeScope();
        var t = torch.ones(new long[] { 1 });
        using (var inner = torch.NewDisposeScope())
        {
            Assert.Same(t, inner.MoveToOuter(t));
        }
        Assert.False(t.IsDisposed);
        Assert.Equal(1, outer.Count);
    }

    [Fact]
    public void DetachedTensorsSurviveEveryScope()
    {
        Tensor detached;
        using (torch.NewDisposeScope())
        {
            using (torch.NewDisposeScope())
            {
                detached = torch.ones(new long[] { 1 }).DetachFromDisposeScope();
                Assert.Same(detached, DisposeScope.Detach(detached));
            }
        }
        Assert.False(detached.IsDisposed);
        detached.Dispose();
    }

    [Fact]
    public void ATensorDisposedEarlyIsFine()
    {
        using var scope = torch.NewDisposeScope();
        var t = torch.ones(new long[] { 1 });
        t.Dispose();
        scope.Dispose();
        scope.Dispose();
        Assert.True(t.IsDisposed);
    }

    [Fact]
    public void ScopesDisposedOutOfOrderLeaveNoDeadScopeCurrent()
    {
        var outer = torch.NewDisposeScope();
        var inner = torch.NewDisposeScope();
        var t = torch.ones(new long[] { 1 });
        outer.Dispose();
        Assert.False(t.IsDisposed);
        // The outer scope is gone, so the tensor moves out to the caller.
        Assert.Same(t, inner.MoveToOuter(t));
        inner.Dispose();
        Assert.False(t.IsDisposed);
        Assert.Null(DisposeScope.Current);
        // New tensors are made normally afterwards.
        using var next = torch.ones(new long[] { 1 });
        Assert.False(next.IsDisposed);
        t.Dispose();
    }

    [Fact]
    public async Task AScopeFollowsAnAwait()
    {
        Tensor before, after;
        using (var scope = torch.NewDisposeScope())
        {
            before = torch.ones(new long[] { 1 });
            await Task.Yield();
            await Task.Delay(1);
            Assert.Same(scope, DisposeScope.Current);
            after = torch.ones(new long[] { 1 });
            Assert.Equal(2, scope.Count);
        }
        Assert.True(before.IsDisposed);
        Assert.True(after.IsDisposed);
        Assert.Null(DisposeScope.Current);
    }

    [Fact]
    public async Task ConcurrentFlowsKeepTheirOwnScopes()
    {
        async Task<(Tensor made, bool disposedAtEnd)> Flow(int delay)
        {
            Tensor made;
            using (var scope = torch.NewDisposeScope())
            {
                await Task.Delay(delay);
                made = torch.ones(new long[] { 1 });
                Assert.Same(scope, DisposeScope.Current);
                await Task.Yield();
                Assert.Equal(1, scope.Count);
            }
            return (made, made.IsDisposed);
        }
        var results = await Task.WhenAll(Flow(5), Flow(1), Flow(3));
        Assert.All(results, r => Assert.True(r.disposedAtEnd));
        Assert.Null(DisposeScope.Current);
    }

    [Fact]
    public void TensorsMadeInParallelInsideAScopeAreAllTracked()
    {
        var made = new System.Collections.Concurrent.ConcurrentBag<Tensor>();
        using (var scope = torch.NewDisposeScope())
        {
            // Work started inside the scope inherits it (AsyncLocal flows into tasks), from several threads at once.
            Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
            {
                for (var k = 0; k < 300; k++) made.Add(torch.zeros(new long[] { 1 }));
            });
            Assert.Equal(2400, scope.Count);
        }
        Assert.All(made, t => Assert.True(t.IsDisposed));
    }
}
