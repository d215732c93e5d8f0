using System.Net;
using System.Text;
using CnnVis.Training.Loop;

namespace CnnVis.Dashboard;

/// <summary>
/// Builds the dashboard host, bound to 127.0.0.1 unless told otherwise (--urls), over a folder of runs.
/// For now it lists the runs and their checkpoints; the Blazor views come with the monitor's run store.
/// </summary>
public static class DashboardApp
{
    /// <summary>Where the dashboard listens when no --urls is given: loopback only.</summary>
    public const string DefaultUrls = "http://127.0.0.1:5080";

    public static WebApplication Build(string[] args, string? runsDirectory = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (string.IsNullOrEmpty(builder.Configuration["urls"])) builder.WebHost.UseUrls(DefaultUrls);
        var runs = Path.GetFullPath(runsDirectory ?? builder.Configuration["runs"] ?? "runs");
        var app = builder.Build();
        app.MapGet("/", () => Results.Content(RunsPage(runs), "text/html; charset=utf-8"));
        return app;
    }

    private static string RunsPage(string runs)
    {
        var html = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\"><title>CnnVis runs</title></head><body><h1>CnnVis runs</h1>");
        html.Append(CultureInfoFree($"<p>Folder: {WebUtility.HtmlEncode(runs)}</p><ul>"));
        if (Directory.Exists(runs))
        {
            foreach (var dir in Directory.GetDirectories(runs).OrderBy(d => d, StringComparer.Ordinal))
            {
                var latest = Checkpoint.FindLatest(dir);
                var text = latest is null ? "no checkpoint yet" : $"{latest.Options.Model} on {latest.Options.Dataset}, epoch {latest.Epoch}, step {latest.Step}";
                html.Append(CultureInfoFree($"<li><b>{WebUtility.HtmlEncode(Path.GetFileName(dir))}</b>: {WebUtility.HtmlEncode(text)}</li>"));
            }
        }
        html.Append("</ul></body></html>");
        return html.ToString();
    }

    private static string CultureInfoFree(FormattableString s) => FormattableString.Invariant(s);
}
