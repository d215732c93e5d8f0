using CnnVis.Dashboard.Data;
using CnnVis.Monitor.Store;

namespace CnnVis.Dashboard.Tests;

/// <summary>The repository under concurrent requests: each read gets a reader of its own, and every answer is the serial one.</summary>
public sealed class RunRepositoryTests : IDisposable
{
    private readonly SampleStore _store = new(probes: 4, snapshots: 4, epochs: 2, validation: 12);

    public void Dispose() => _store.Dispose();

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public async Task ConcurrentReadsGiveTheSerialAnswers(int readers)
    {
        using var repository = new RunRepository(_store.Path, readers);
        var timeline = repository.Timeline(_store.RunId, "gradcam", "true", 0);
        var metrics = repository.Metrics(_store.RunId).Sum(m => m.Values.Length);
        var cube = repository.Cube(_store.RunId).Sum(c => c.Count);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await Task.WhenAll(Enumerable.Range(0, 8).Select(k => Task.Run(() =>
        {
            for (var i = 0; i < 40; i++)
            {
                stop.Token.ThrowIfCancellationRequested();
                switch ((k + i) % 4)
                {
                    case 0: Assert.Equal(timeline, repository.Timeline(_store.RunId, "gradcam", "true", 0)); break;
                    case 1: Assert.Equal(metrics, repository.Metrics(_store.RunId).Sum(m => m.Values.Length)); break;
                    case 2: Assert.Equal(cube, repository.Cube(_store.RunId).Sum(c => c.Count)); break;
                    default: Assert.Throws<RunNotFoundException>(() => repository.Run(9999)); break;
                }
            }
        })));
    }

    [Fact]
    public void AMissingStoreIsAnErrorNamingItAndIsPickedUpOnceItExists()
    {
        var path = Path.Combine(Path.GetDirectoryName(_store.Path)!, "later.db");
        using var repository = new RunRepository(path);
        var e = Assert.Throws<RunStoreException>(() => repository.Runs());
        Assert.Equal($"{Path.GetFullPath(path)}: no run store there (it is created by `cnnvis train --monitor`)", e.Message);
        using (var writer = RunWriter.Open(path)) writer.CreateRun(new RunDescription("late", "synthetic-shapes", "fashionnet", "{}", SampleStore.ClassNames, 1));
        Assert.Equal("late", Assert.Single(repository.Runs()).Name);
    }
}
