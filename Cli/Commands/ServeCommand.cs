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
        var command = new Command("serve", "Serve the dashboard over a run store: runs, curves, explanation timelines, live while a run trains.") { store, urls, token };
        command.SetAction(async (parse, cancellation) =>
        {
            var args = new List<string> { "--urls", parse.GetValue(urls)! };
            if (parse.GetValue(token) is { Length: > 0 } given) args.AddRange(["--token", given]);
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
