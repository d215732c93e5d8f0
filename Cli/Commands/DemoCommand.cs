using System.CommandLine;
using CnnVis.Monitor;
using CnnVis.Training.Loop;
using Spectre.Console;

namespace CnnVis.Cli.Commands;

/// <summary>
/// `cnnvis demo`: the main job in one command. Trains FashionNet briefly on Fashion-MNIST with the monitor on,
/// recording 64 test images × CAM, Grad-CAM, saliency and guided backprop, filters, layer statistics and the
/// validation cube into the run store, while the dashboard serves the run live from the same process (and keeps
/// serving after training until Ctrl+C; --no-serve for scripts). With --pictures it also writes a labelled grid and
/// the first-layer filters as PNGs after every epoch.
/// </summary>
public static class DemoCommand
{
    /// <summary>The demo's default cap on the monitor's share of wall time, in percent (--budget).</summary>
    public const double DemoBudgetPercent = 25;

    public static Command Build()
    {
        var output = new Option<string>("--out") { Description = "folder for the run", DefaultValueFactory = _ => Path.Combine("runs", "demo") };
        var epochs = new Option<int>("--epochs") { Description = "epochs to train", DefaultValueFactory = _ => 2 };
        var threads = ThreadsOption.Create();
        var pictures = new Option<bool>("--pictures") { Description = "also write explanation grids and filters as PNGs after each epoch" };
        var command = new Command("demo",
            "Train FashionNet briefly on Fashion-MNIST (12,000 images, 2 epochs) with the monitor recording into the run store, serving the dashboard live (--no-serve: do not).")
        {
            output, epochs, threads, pictures,
        };
        // A two-epoch run of 188 steps is short: at the usual 5% budget the monitor could afford two snapshots and the
        // dashboard would have little to play back. The demo is there to be watched, so it lets the monitor take a
        // quarter of the wall time: every log-spaced snapshot of the first epoch and each epoch's end.
        var flags = MonitorFlags.AddTo(command, alwaysOn: true, budgetPercent: DemoBudgetPercent);
        var serve = ServeFlags.AddTo(command, servesByDefault: true);
        command.SetAction(async (parse, cancellation) =>
        {
            try
            {
                ThreadsOption.Validate(parse.GetValue(threads));
                serve.Wanted(parse);
            }
            catch (ArgumentException e)
            {
                return CliErrors.Report(e);
            }
            var options = new TrainingOptions
            {
                Dataset = "fashion-mnist", Model = "fashionnet", Epochs = parse.GetValue(epochs), Optimizer = "adam", LearningRate = 1e-3,
                BatchSize = 128, Seed = 0, TrainLimit = 12_000, ValidationLimit = 2_000, OutputDirectory = parse.GetValue(output),
                Threads = parse.GetValue(threads),
            };
            var extra = new List<TrainingCallback>();
            if (parse.GetValue(pictures))
            {
                var grids = new ProbeGridWriter(Path.Combine(options.OutputDirectory!, "explanations"));
                grids.PictureWritten += path => AnsiConsole.MarkupLine($"wrote [blue]{Markup.Escape(path)}[/]");
                extra.Add(grids);
            }
            TrainingMonitor monitor;
            try
            {
                monitor = flags.Create(parse, required: true)!;
            }
            catch (Exception e) when (CliErrors.IsUserError(e))
            {
                return CliErrors.Report(e);
            }
            return await serve.TrainAsync(parse, monitor, m => TrainCommand.Run(options, null, cancellation, [m, .. extra]), cancellation);
        });
        return command;
    }
}
