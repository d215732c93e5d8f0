using System.CommandLine;
using CnnVis.Cli.Serving;
using CnnVis.Dashboard;
using CnnVis.Monitor;

namespace CnnVis.Cli.Commands;

/// <summary>
/// `--serve` / `--no-serve`, `--urls` and `--token` for the commands that train: serve the dashboard live over the
/// monitor's store in the same process, and keep serving after training until Ctrl+C.
/// </summary>
public sealed class ServeFlags
{
    private readonly bool _servesByDefault;

    private ServeFlags(bool servesByDefault)
    {
        _servesByDefault = servesByDefault;
        Serve = new("--serve")
        {
            Description = servesByDefault
                ? "serve the dashboard live while training and after it until Ctrl+C (the default here)"
                : "serve the dashboard live while training (records with the monitor), and after it until Ctrl+C",
        };
        NoServe = new("--no-serve") { Description = "train without serving the dashboard (for scripts and CI)" };
    }

    public Option<bool> Serve { get; }

    public Option<bool> NoServe { get; }

    public Option<string> Urls { get; } = new("--urls") { Description = "where the dashboard listens; anything but loopback needs the access token", DefaultValueFactory = _ => DashboardApp.DefaultUrls };

    public Option<string?> Token { get; } = new("--token") { Description = "the access token dashboard clients must show; generated when listening beyond loopback without one" };

    /// <summary>Adds the flags to <paramref name="command"/>; <paramref name="servesByDefault"/> makes serving the default.</summary>
    public static ServeFlags AddTo(Command command, bool servesByDefault)
    {
        var flags = new ServeFlags(servesByDefault);
        foreach (var option in new Option[] { flags.Serve, flags.NoServe, flags.Urls, flags.Token }) command.Options.Add(option);
        return flags;
    }

    /// <summary>Whether to serve; both flags at once is an error naming them.</summary>
    public bool Wanted(ParseResult parse)
    {
        var serve = parse.GetValue(Serve);
        var noServe = parse.GetValue(NoServe);
        if (serve && noServe) throw new ArgumentException("--serve and --no-serve contradict each other: give one");
        return !noServe && (serve || _servesByDefault);
    }

    /// <summary>
    /// Trains with <paramref name="monitor"/> (disposed here, which ends its run) and, when serving, with the dashboard
    /// started first and kept up after training until <paramref name="cancellation"/> (Ctrl+C). Returns the training's
    /// exit code, or the error's when the dashboard cannot listen.
    /// </summary>
    public async Task<int> TrainAsync(ParseResult parse, TrainingMonitor monitor, Func<TrainingMonitor, int> train, CancellationToken cancellation)
    {
        LiveDashboard? dashboard = null;
        try
        {
            if (Wanted(parse)) dashboard = await LiveDashboard.StartAsync(monitor.Report.StorePath, parse.GetValue(Urls)!, parse.GetValue(Token), cancellation);
        }
        catch (Exception e) when (CliErrors.IsUserError(e))
        {
            monitor.Dispose();
            return CliErrors.Report(e);
        }
        int code;
        using (monitor)
        {
            code = train(monitor);
            MonitorFlags.PrintSummary(monitor);
        }
        if (dashboard is null) return code;
        await using (dashboard) await dashboard.ServeUntilStoppedAsync(cancellation);
        return code;
    }
}
