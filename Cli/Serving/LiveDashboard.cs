using CnnVis.Dashboard;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace CnnVis.Cli.Serving;

/// <summary>
/// The dashboard served beside a training in the same process: Kestrel answers pages on its own threads while the
/// command's thread trains (training never runs on a Blazor circuit), and the pages see the monitor's snapshots
/// through the store like any other reader. After training it keeps serving until Ctrl+C.
/// </summary>
public sealed class LiveDashboard : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LiveDashboard(WebApplication app) => _app = app;

    /// <summary>Where the dashboard answers, with the access token when one is needed.</summary>
    public IReadOnlyList<string> Addresses { get; private set; } = [];

    /// <summary>Starts serving <paramref name="storePath"/> at <paramref name="urls"/>; a port that cannot be bound is an <see cref="IOException"/> naming --urls.</summary>
    public static async Task<LiveDashboard> StartAsync(string storePath, string urls, string? token, CancellationToken cancellation)
    {
        var args = new List<string> { "--urls", urls };
        if (token is { Length: > 0 }) args.AddRange(["--token", token]);
        var app = DashboardApp.Build([.. args], storePath, builder =>
        {
            // Request logs would tear through the training's progress bar; warnings and errors still show.
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Services.AddSingleton<IHostLifetime, CommandLifetime>();
        });
        try
        {
            await app.StartAsync(cancellation);
        }
        catch (IOException e)
        {
            await app.DisposeAsync();
            throw new IOException($"--urls {urls}: cannot listen there: {e.Message}", e);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        var access = app.Services.GetRequiredService<Dashboard.Security.DashboardAccess>();
        return new LiveDashboard(app) { Addresses = [.. app.Urls.Select(a => access.TokenRequired ? $"{a}/?token={access.Token}" : $"{a}/")] };
    }

    /// <summary>Serves until <paramref name="cancellation"/> fires (Ctrl+C), saying so first.</summary>
    public async Task ServeUntilStoppedAsync(CancellationToken cancellation)
    {
        if (!cancellation.IsCancellationRequested)
            AnsiConsole.MarkupLine($"training is over; the dashboard keeps serving at [blue]{Markup.Escape(string.Join(' ', Addresses))}[/] until Ctrl+C");
        await _app.WaitForShutdownAsync(cancellation);
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _app.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // Open browser connections did not close in time; the process ends anyway.
        }
        await _app.DisposeAsync();
    }
}
