using System.Diagnostics;

namespace CnnVis.Torch.Tests;

/// <summary>
/// A tensor disposed on one thread while another thread's native call uses it: the call either completes (the
/// native tensor is freed once it returns) or is refused with <see cref="ObjectDisposedException"/>; never a
/// crash, a wrong value or any other error.
/// </summary>
[Collection(SerialCollection.Name)]
public class ConcurrentDisposeTests
{
    private sealed record Published(Tensor Tensor, float Value);

    private const int Elements = 16;

    [Fact]
    public void DisposingWhileAnotherThreadCallsIntoTheEngineCompletesOrThrowsObjectDisposed()
    {
        Published? slot = null;
        var stop = false;
        var failures = new List<string>();
        long completed = 0, refused = 0, published = 0;

        void Fail(string what)
        {
            lock (failures) failures.Add(what);
            Volatile.Write(ref stop, true);
        }

        void Use()
        {
            var random = new Random(Environment.CurrentManagedThreadId);
            while (!Volatile.Read(ref stop))
            {
                if (Volatile.Read(ref slot) is not { } p) continue;
                var t = p.Tensor;
                try
                {
                    // Each kind of native entry point: a boxed operator call with one tensor, with a tensor list
                    // and with two tensors, a metadata read, a copy out and autograd.grad's handle arrays.
                    switch (random.Next(6))
                    {
                        case 0:
                            using (var sum = t.sum()) Check(sum.item<float>(), p.Value * Elements, "sum");
                            break;
                        case 1:
                            using (var both = torch.cat(new[] { t, t }))
                            using (var sum = both.sum()) Check(sum.item<float>(), 2 * p.Value * Elements, "cat");
                            break;
                        case 2:
                            using (var twice = t + t) Check(twice.data<float>()[Elements - 1], 2 * p.Value, "add");
                            break;
                        case 3:
                            var shape = t.shape;
                            if (shape.Length != 1 || shape[0] != Elements) Fail($"shape [{string.Join(", ", shape)}]");
                            break;
                        case 4:
                            Check(t.data<float>()[0], p.Value, "data");
                            break;
                        default:
                            using (var leaf = torch.ones(new long[] { Elements }).requires_grad_())
                            using (var product = leaf * t)
                            using (var total = product.sum())
                            {
                                var grads = torch.autograd.grad(new[] { total }, new[] { leaf });
                                using var g = grads[0]!;
                                Check(g.data<float>()[0], p.Value, "grad");
                            }
                            break;
                    }
                    Interlocked.Increment(ref completed);
                }
                catch (ObjectDisposedException)
                {
                    Interlocked.Increment(ref refused);
                }
                catch (Exception e)
                {
                    Fail(e.GetType().Name + ": " + e.Message);
                }
            }
        }

        void Check(float actual, float expected, string what)
        {
            if (actual != expected) Fail($"{what} read {actual}, expected {expected}: memory freed under a running call");
        }

        var users = Enumerable.Range(0, 2).Select(_ => new Thread(Use) { IsBackground = true }).ToArray();
        foreach (var u in users) u.Start();
        var watch = Stopwatch.StartNew();
        var value = 0f;
        while (watch.ElapsedMilliseconds < 1500 && !Volatile.Read(ref stop))
        {
            value = value >= 1000 ? 1 : value + 1;
            var t = torch.full(new long[] { Elements }, value);
            Volatile.Write(ref slot, new Published(t, value));
            published++;
            // Freed while the users are likely inside a call on it.
            Thread.SpinWait(published % 64 == 0 ? 2000 : 20);
            t.Dispose();
        }
        Volatile.Write(ref stop, true);
        foreach (var u in users) Assert.True(u.Join(TimeSpan.FromSeconds(30)), "a user thread did not finish");

        Assert.Empty(failures);
        Assert.True(completed > 100, $"only {completed} calls completed ({refused} refused, {published} tensors)");
        Assert.True(refused > 0, $"no call was refused in {completed} calls on {published} disposed tensors: the race was not exercised");
    }

    [Fact]
    public void ATensorDisposedBeforeTheCallIsRefusedOnEveryPath()
    {
        using var live = torch.ones(new long[] { 2 });
        var t = torch.ones(new long[] { 2 });
        t.Dispose();
        const string Expected = "The tensor was disposed and cannot be used.\nObject name: 'Tensor'.";
        Assert.Equal(Expected, Assert.Throws<ObjectDisposedException>(() => t.sum()).Message);
        Assert.Equal(Expected, Assert.Throws<ObjectDisposedException>(() => torch.cat(new[] { live, t })).Message);
        Assert.Equal(Expected, Assert.Throws<ObjectDisposedException>(() => t.shape).Message);
        Assert.Equal(Expected, Assert.Throws<ObjectDisposedException>(() => live.grad = t).Message);
        Assert.Equal(Expected, Assert.Throws<ObjectDisposedException>(() => torch.autograd.grad(new[] { t }, new[] { live })).Message);
    }
}
