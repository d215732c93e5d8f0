using System.Globalization;
using CnnVis.Dashboard.Analysis;
using CnnVis.Dashboard.Components;
using CnnVis.Dashboard.Computation;
using CnnVis.Dashboard.Data;
using CnnVis.Dashboard.Endpoints;
using CnnVis.Dashboard.Security;

namespace CnnVis.Dashboard;

/// <summary>
/// Builds the dashboard host over a run store: bound to 127.0.0.1 unless told otherwise (--urls); any other address
/// needs the access token (--token, or one generated and printed). Tests start the real app on 127.0.0.1:0.
/// </summary>
public static class DashboardApp
{
    public const string DefaultUrls = "http://127.0.0.1:5080";
    public const string DefaultStore = "runs/cnnvis.db";

    /// <param name="args">Host arguments: --urls, --token, --store, --poll-ms (how often live pages look for new data),
    /// --upload-mb (the most one upload may have, 10 by default), --jobs (computations run at once, half the cores by default),
    /// --readers (how many requests read the store at once, each on its own read-only connection).</param>
    /// <param name="storePath">The store to serve; overrides --store.</param>
    /// <param name="configure">Last changes to the host before it is built (a host program's logging or lifetime).</param>
    public static WebApplication Build(string[] args, string? storePath = null, Action<WebApplicationBuilder>? configure = null)
    {
        // The app's own name, so its static web assets (Blazor's script, wwwroot) are found when another program
        // (the CLI, a test) hosts it.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(DashboardApp).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        var urls = builder.Configuration["urls"];
        if (string.IsNullOrEmpty(urls))
        {
            urls = DefaultUrls;
            builder.WebHost.UseUrls(urls);
        }
        builder.WebHost.UseStaticWebAssets();
        var access = DashboardAccess.For(urls.Split(';', StringSplitOptions.RemoveEmptyEntries), builder.Configuration["token"]);
        var store = storePath ?? builder.Configuration["store"] ?? DefaultStore;
        var poll = TimeSpan.FromMilliseconds(int.TryParse(builder.Configuration["poll-ms"], out var ms) && ms > 0 ? ms : 1000);
        var readers = int.TryParse(builder.Configuration["readers"], out var n) && n > 0 ? n : RunRepository.DefaultReaders;

        builder.Services.AddSingleton(access);
        builder.Services.AddSingleton(_ => new RunRepository(store, readers));
        builder.Services.AddSingleton(sp => new StoreWatcher(sp.GetRequiredService<RunRepository>(), poll, sp.GetRequiredService<ILogger<StoreWatcher>>()));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<StoreWatcher>());
        var uploadMb = double.TryParse(builder.Configuration["upload-mb"], NumberStyles.Float, CultureInfo.InvariantCulture, out var mb) && mb > 0 ? mb : 10;
        var jobs = int.TryParse(builder.Configuration["jobs"], out var j) && j > 0 ? j : 0;
        builder.Services.AddSingleton(new UploadLimit((long)(uploadMb * 1048576)));
        builder.Services.AddSingleton(sp => new ComputationQueue(ComputationQueue.DefaultCapacity, jobs, sp.GetRequiredService<ILogger<ComputationQueue>>()));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ComputationQueue>());
        builder.Services.AddSingleton<PostHocAnalysis>();
        builder.Services.AddSingleton<ActivationImages>();
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseMiddleware<AccessTokenMiddleware>();
        app.UseExceptionHandler("/error", createScopeForErrors: true);
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.UseAntiforgery();
        app.MapStaticAssets();
        DataEndpoints.Map(app);
        PostHocEndpoints.Map(app);
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        app.Lifetime.ApplicationStarted.Register(() => PrintAddresses(app, access));
        return app;
    }

    // The URL to open, with the token when one is needed (a generated one is shown nowhere else).
    private static void PrintAddresses(WebApplication app, DashboardAccess access)
    {
        foreach (var address in app.Urls)
            Console.WriteLine(access.TokenRequired ? $"CnnVis dashboard: {address}/?token={access.Token}" : $"CnnVis dashboard: {address}/");
    }
}
