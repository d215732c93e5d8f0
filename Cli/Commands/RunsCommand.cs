using System.CommandLine;
using System.Globalization;
using CnnVis.Monitor.Store;
using Spectre.Console;

namespace CnnVis.Cli.Commands;

/// <summary>`cnnvis runs`: lists the runs in a store; `runs show ID` describes one; `runs delete ID` removes one with its checkpoints.</summary>
public static class RunsCommand
{
    public static Command Build()
    {
        var store = new Option<string>("--store") { Description = "the run store", DefaultValueFactory = _ => MonitorFlags.DefaultStore, Recursive = true };
        var command = new Command("runs", "List the runs in the run store (id, status, dataset, model, epochs, best accuracy, snapshots, start time).") { store };
        command.SetAction(parse => Guard(() => List(parse.GetValue(store)!)));

        var showId = new Argument<long>("id") { Description = "the run's id (see `cnnvis runs`)" };
        var show = new Command("show", "Describe one run: status, configuration, snapshots, metrics, checkpoints.") { showId };
        show.SetAction(parse => Guard(() => Show(parse.GetValue(store)!, parse.GetValue(showId))));
        command.Subcommands.Add(show);

        var deleteId = new Argument<long>("id") { Description = "the run's id (see `cnnvis runs`)" };
        var yes = new Option<bool>("--yes") { Description = "delete without asking" };
        var delete = new Command("delete", "Delete a run from the store, with its checkpoint files.") { deleteId, yes };
        delete.SetAction(parse => Guard(() => Delete(parse.GetValue(store)!, parse.GetValue(deleteId), parse.GetValue(yes))));
        command.Subcommands.Add(delete);
        return command;
    }

    private static int Guard(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (CliErrors.IsUserError(e))
        {
            return CliErrors.Report(e);
        }
    }

    private static int List(string path)
    {
        using var reader = RunReader.Open(path);
        var runs = reader.Runs();
        if (runs.Count == 0)
        {
            AnsiConsole.WriteLine($"no runs in {path}");
            return 0;
        }
        var table = new Table().AddColumns("id", "status", "dataset", "model", "epochs", "best accuracy", "snapshots", "started (UTC)");
        foreach (var r in runs)
        {
            table.AddRow(r.Id.ToString(CultureInfo.InvariantCulture), StatusText(r.Status), Markup.Escape(r.Dataset), Markup.Escape(r.Model),
                $"{r.EpochsDone}/{r.EpochsPlanned}", r.BestAccuracy is { } a ? TrainCommand.Percent(a) : "-", r.Snapshots.ToString(CultureInfo.InvariantCulture),
                r.StartedUtc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
        }
        AnsiConsole.Write(table);
        return 0;
    }

    private static int Show(string path, long id)
    {
        using var reader = RunReader.Open(path);
        var r = reader.Run(id);
        AnsiConsole.MarkupLine($"run {r.Id}: {Markup.Escape(r.Name)} — {StatusText(r.Status)}{(r.Message is null ? "" : ": " + Markup.Escape(r.Message))}");
        AnsiConsole.MarkupLine(Markup.Escape($"dataset {r.Dataset}, model {r.Model}, epochs {r.EpochsDone}/{r.EpochsPlanned}, best validation accuracy {(r.BestAccuracy is { } a ? TrainCommand.Percent(a) : "-")}"));
        AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"started {r.StartedUtc:yyyy-MM-dd HH:mm:ss} UTC, {(r.EndedUtc is { } e ? $"ended {e:yyyy-MM-dd HH:mm:ss} UTC" : $"last heard from {r.HeartbeatUtc:yyyy-MM-dd HH:mm:ss} UTC")}, process {r.OwnerProcessId} on {r.OwnerHost}")));
        var snapshots = reader.Snapshots(id);
        var skipped = reader.SkippedSnapshots(id);
        var costs = snapshots.Select(s => s.CostMilliseconds).Order().ToArray();
        AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"snapshots: {snapshots.Count} taken{(costs.Length > 0 ? $" (median {costs[costs.Length / 2]:F0} ms)" : "")}, {skipped.Count} skipped; probes: {reader.Probes(id).Count}; maps: {string.Join(", ", reader.MapKinds(id).Select(k => $"{k.Method}/{k.Target}"))}")));
        foreach (var name in reader.MetricNames(id).Where(n => n.StartsWith("val.", StringComparison.Ordinal)))
        {
            var series = reader.Metric(id, name);
            AnsiConsole.MarkupLine(Markup.Escape($"{name}: {string.Join("  ", series.Values.Select((v, k) => $"e{series.Epochs[k]} {v.ToString("G4", CultureInfo.InvariantCulture)}"))}"));
        }
        foreach (var c in reader.Checkpoints(id))
            AnsiConsole.MarkupLine(Markup.Escape($"checkpoint epoch {c.Epoch} step {c.Step}: {c.Path} (sha256 {c.Sha256[..12]}…)"));
        AnsiConsole.MarkupLine(Markup.Escape($"configuration: {r.Configuration}"));
        return 0;
    }

    private static int Delete(string path, long id, bool yes)
    {
        RunSummary run;
        using (var reader = RunReader.Open(path)) run = reader.Run(id);
        if (!yes)
        {
            if (Console.IsInputRedirected && Console.In.Peek() < 0)
                throw new ArgumentException($"run {id}: deleting needs confirmation; pass --yes to delete without asking");
            Console.Write($"delete run {id} ({run.Name}, {run.Snapshots} snapshots) and its checkpoint files? [y/N] ");
            var answer = Console.ReadLine()?.Trim().ToLowerInvariant();
            if (answer is not ("y" or "yes"))
            {
                AnsiConsole.WriteLine("nothing deleted");
                return 1;
            }
        }
        using var writer = RunWriter.Open(path);
        var folders = writer.DeleteRun(id);
        AnsiConsole.MarkupLine(Markup.Escape($"deleted run {id} and {folders.Count} checkpoint folder(s)"));
        return 0;
    }

    private static string StatusText(RunStatus status) => status switch
    {
        RunStatus.Running => "[blue]running[/]",
        RunStatus.Finished => "[green]finished[/]",
        RunStatus.Interrupted => "[yellow]interrupted[/]",
        _ => "[red]failed[/]",
    };
}
