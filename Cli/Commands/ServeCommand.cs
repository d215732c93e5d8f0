using System.CommandLine;
using CnnVis.Dashboard;
using Microsoft.Extensions.Hosting;

namespace CnnVis.Cli.Commands;

/// <summary>
/// `cnnvis serve`: the dashboard over a run store, on 127.0.0.1 unless --urls says otherwise (then with an access
/// token, given or generated and printed). Serves until Ctrl+C.
/// </summary>
public static class ServeCommand
{
    public static Command Build()
    {
        var store = new Option<string>("--store") { Description = "the run store to serve", DefaultValueFactory = _ => DashboardApp.DefaultStore };
        var urls = new Option<string>("--urls") { Description = "where to listen; anything but loopback needs the access token", DefaultValueFactory = _ => DashboardApp.DefaultUrls };
        var token = new Option<string?>("--token") { Description = "the access token clients must show (?token=...); generated when listening beyond loopback without one" };
        var uploadMb = new Option<double?>("--upload-mb") { Description = "the most one upload (picture or .pt) may have, in MB (default 10)" };
        var jobs = new Option<int?>("--jobs") { Description = "page computations (post-hoc maps) run at once (default: half the cores)" };
        var command = new Command("serve", "Serve the dashboard over a run store: runs, curves, explanation timelines, live while a run trains.") { store, urls, token, uploadMb, jobs };
        command.SetAction(async (parse, cancellation) =>
        {
            var args = new List<string> { "--urls", parse.GetValue(urls)! };
            if (parse.GetValue(token) is { Length: > 0 } given) args.AddRange(["--token", given]);
            if (parse.GetValue(uploadMb) is { } mb)
            {
                if (!(mb > 0 && mb <= 1024)) return CliErrors.Report(new ArgumentException($"--upload-mb must be more than 0 and at most 1024, got {mb.ToString(System.Globalization.CultureInfo.InvariantCulture)}"));
                args.AddRange(["--upload-mb", mb.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            }
            if (parse.GetValue(jobs) is { } j)
            {
                if (j is < 1 or > 64) return CliErrors.Report(new ArgumentException($"--jobs must be 1 to 64, got {j}"));
                args.AddRange(["--jobs", j.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            }
            await using var app = DashboardApp.Build([.. args], parse.GetValue(store));
            try
            {
                await app.StartAsync(cancellation);
            }
            catch (IOException e)
            {
                // Kestrel reports a taken port or an address it cannot bind as an IOException.
                return CliErrors.Report(new IOException($"--urls {parse.GetValue(urls)}: cannot listen there: {e.Message}", e));
            }
            // Ctrl+C cancels the token: the host stops gracefully.
            await app.WaitForShutdownAsync(cancellation);
            return 0;
        });
        return command;
    }
}
