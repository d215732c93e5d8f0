using System.Text.Json;
using CnnVis.Training.Loop;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace CnnVis.Dashboard.Tests;

public sealed class DashboardAppTests : IDisposable
{
    private readonly string _runs = Directory.CreateTempSubdirectory("cnnvis-runs-").FullName;

    public void Dispose() => Directory.Delete(_runs, recursive: true);

    [Fact]
    public async Task ListsRunsWithTheirLatestCheckpointOnLoopback()
    {
        var checkpoint = Path.Combine(_runs, "fashion-run", "checkpoints", "epoch-0002");
        Directory.CreateDirectory(checkpoint);
        var meta = new Checkpoint
        {
            Epoch = 2, Step = 94, BatchInEpoch = 47, EndOfEpoch = true, ClassNames = ["a", "b"],
            Options = new TrainingOptions { Model = "fashionnet", Dataset = "fashion-mnist" },
        };
        File.WriteAllText(Path.Combine(checkpoint, Checkpoint.MetaFile), JsonSerializer.Serialize(meta));
        Directory.CreateDirectory(Path.Combine(_runs, "empty-run"));

        await using var app = DashboardApp.Build(["--urls", "http://127.0.0.1:0"], _runs);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        Assert.StartsWith("http://127.0.0.1:", address);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var page = await http.GetStringAsync(address + "/");
        Assert.Contains("fashion-run", page);
        Assert.Contains("fashionnet on fashion-mnist, epoch 2, step 94", page);
        Assert.Contains("empty-run", page);
        Assert.Contains("no checkpoint yet", page);
        await app.StopAsync();
    }

    [Fact]
    public async Task ListensOnLoopbackOnlyWhenNoUrlsAreGiven()
    {
        // Checked on the built host without starting it, so a dashboard already running on the default port cannot fail the test.
        await using var app = DashboardApp.Build([], _runs);
        var urls = app.Configuration["urls"];
        Assert.Equal(DashboardApp.DefaultUrls, urls);
        Assert.All(urls!.Split(';'), u => Assert.Equal(System.Net.IPAddress.Loopback.ToString(), new Uri(u).Host));
    }
}
