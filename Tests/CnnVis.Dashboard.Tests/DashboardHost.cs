using Microsoft.AspNetCore.Builder;

namespace CnnVis.Dashboard.Tests;

/// <summary>The real dashboard on 127.0.0.1 with a free port, polling its store quickly so live updates arrive fast.</summary>
internal sealed class DashboardHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DashboardHost(WebApplication app, string address)
    {
        _app = app;
        Address = address;
    }

    public string Address { get; }

    /// <summary>The app's services, for tests that set up what a page meets (a full computation queue).</summary>
    public IServiceProvider Services => _app.Services;

    public static async Task<DashboardHost> StartAsync(string storePath, params string[] extra)
    {
        var app = DashboardApp.Build(["--urls", "http://127.0.0.1:0", "--poll-ms", "200", .. extra], storePath);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await app.StartAsync(timeout.Token);
        var address = app.Urls.Single();
        Assert.StartsWith("http://127.0.0.1:", address);
        return new DashboardHost(app, address);
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }
}
