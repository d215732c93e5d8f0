using System.CommandLine;
using System.Globalization;
using CnnVis.Training.Loop;
using Spectre.Console;

namespace CnnVis.Cli.Commands;

/// <summary>`cnnvis train`: trains a zoo model on a dataset with a live progress bar and a line per epoch.</summary>
public static class TrainCommand
{
    public static Command Build()
    {
        var dataset = new Option<string>("--dataset") { Description = "fashion-mnist, synthetic-shapes, or folder:<path> (class sub-folders of images)", DefaultValueFactory = _ => "fashion-mnist" };
        var model = new Option<string>("--model") { Description = "fashionnet, vgg-small or resnet-small", DefaultValueFactory = _ => "fashionnet" };
        var epochs = new Option<int>("--epochs") { Description = "number of passes over the training data", DefaultValueFactory = _ => 3 };
        var optimizer = new Option<string>("--optimizer") { Description = "adam, adamw or sgd", DefaultValueFactory = _ => "adam" };
        var lr = new Option<double>("--lr") { Description = "learning rate", DefaultValueFactory = _ => 1e-3 };
        var batchSize = new Option<int>("--batch-size") { Description = "images per optimizer step", DefaultValueFactory = _ => 128 };
        var seed = new Option<long>("--seed") { Description = "seed for initialisation, shuffling and augmentation", DefaultValueFactory = _ => 0 };
        var momentum = new Option<double>("--momentum") { Description = "SGD momentum", DefaultValueFactory = _ => 0.9 };
        var nesterov = new Option<bool>("--nesterov") { Description = "use Nesterov momentum with SGD" };
        var weightDecay = new Option<double>("--weight-decay") { Description = "weight decay (L2 for adam/sgd, decoupled for adamw)" };
        var schedule = new Option<string>("--schedule") { Description = "learning-rate schedule: none, step or cosine", DefaultValueFactory = _ => "none" };
        var warmup = new Option<int>("--warmup-steps") { Description = "linear learning-rate warm-up over this many steps" };
        var labelSmoothing = new Option<double>("--label-smoothing") { Description = "cross-entropy label smoothing in [0, 1)" };
        var trainLimit = new Option<int>("--train-limit") { Description = "use only the first N training images (0 = all)" };
        var validationLimit = new Option<int>("--validation-limit") { Description = "evaluate on only the first N test images (0 = all)" };
        var threads = new Option<int>("--threads") { Description = "CPU threads for libtorch", DefaultValueFactory = _ => Environment.ProcessorCount };
        var crop = new Option<int>("--random-crop") { Description = "augment with random crops after padding by N pixels" };
        var flip = new Option<bool>("--flip") { Description = "augment with random horizontal flips" };
        var output = new Option<string?>("--out") { Description = "folder for checkpoints (default: runs/<dataset>-<model>-<time>)" };
        var resume = new Option<string?>("--resume") { Description = "continue from a run folder's latest checkpoint, or from a checkpoint folder" };

        var command = new Command("train", "Train a model, saving a checkpoint (PyTorch-readable .pt weights) after every epoch.")
        {
            dataset, model, epochs, optimizer, lr, batchSize, seed, momentum, nesterov, weightDecay, schedule, warmup, labelSmoothing,
            trainLimit, validationLimit, threads, crop, flip, output, resume,
        };
        var monitorFlags = MonitorFlags.AddTo(command);
        command.SetAction((parse, cancellation) =>
        {
            var options = new TrainingOptions
            {
                Dataset = parse.GetValue(dataset)!, Model = parse.GetValue(model)!, Epochs = parse.GetValue(epochs),
                Optimizer = parse.GetValue(optimizer)!.ToLowerInvariant(), LearningRate = parse.GetValue(lr), BatchSize = parse.GetValue(batchSize),
                Seed = parse.GetValue(seed), Momentum = parse.GetValue(momentum), Nesterov = parse.GetValue(nesterov),
                WeightDecay = parse.GetValue(weightDecay), Schedule = parse.GetValue(schedule)!.ToLowerInvariant(), WarmupSteps = parse.GetValue(warmup),
                LabelSmoothing = parse.GetValue(labelSmoothing), TrainLimit = parse.GetValue(trainLimit), ValidationLimit = parse.GetValue(validationLimit),
                Threads = parse.GetValue(threads), RandomCropPadding = parse.GetValue(crop), HorizontalFlip = parse.GetValue(flip),
                OutputDirectory = parse.GetValue(output),
            };
            return Task.FromResult(MonitorFlags.RunMonitored(monitorFlags, parse, monitor => Run(options, parse.GetValue(resume), cancellation, monitor)));
        });
        return command;
    }

    /// <summary>Runs training with console progress; returns the process exit code.</summary>
    public static int Run(TrainingOptions options, string? resumeFrom, CancellationToken cancellation, params TrainingCallback[] extra)
    {
        try
        {
            Checkpoint? resume = null;
            if (resumeFrom is not null)
            {
                resume = Checkpoint.FindLatest(resumeFrom) ?? throw new TrainingFailedException($"{resumeFrom}: no checkpoint to resume from");
                options = options with { OutputDirectory = options.OutputDirectory ?? resume.Options.OutputDirectory };
            }
            options = options with
            {
                OutputDirectory = options.OutputDirectory ?? Path.Combine("runs", $"{options.Dataset.Replace(':', '-').Replace('/', '-')}-{options.Model}-{DateTime.Now:yyyyMMdd-HHmmss}"),
            };
            options.Validate();
            var progress = new ConsoleProgress();
            var trainer = new Trainer(options, [progress, .. extra]);
            var outcome = progress.Run(() => trainer.Run(cancellation, resume));
            var colour = outcome.Status == TrainingStatus.Completed ? "green" : "yellow";
            AnsiConsole.MarkupLine($"[{colour}]{Markup.Escape(outcome.Message)}[/]");
            if (outcome.LastCheckpoint is { } c) AnsiConsole.MarkupLine($"checkpoints: [blue]{Markup.Escape(Path.GetDirectoryName(c.Directory)!)}[/]");
            return outcome.Status == TrainingStatus.Completed || outcome.Status == TrainingStatus.Cancelled ? 0 : 1;
        }
        catch (Exception e) when (CliErrors.IsUserError(e))
        {
            return CliErrors.Report(e);
        }
    }

    internal static string Percent(double x) => double.IsNaN(x) ? "-" : (100 * x).ToString("F2", CultureInfo.InvariantCulture) + "%";
}
