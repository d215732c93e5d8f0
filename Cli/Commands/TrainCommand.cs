using System.CommandLine;
using System.Globalization;
using CnnVis.Training.Loop;
using Spectre.Console;

namespace CnnVis.Cli.Commands;

/// <summary>
/// `cnnvis train`: trains a zoo model on a dataset with a live progress bar and a line per epoch; with --serve the
/// dashboard serves the run live from the same process.
/// </summary>
public static class TrainCommand
{
    public static Command Build()
    {
        var dataset = new Option<string>("--dataset") { Description = "fashion-mnist, synthetic-shapes, or folder:<path> (class sub-folders of images)", DefaultValueFactory = _ => "fashion-mnist" };
        var model = new Option<string>("--model") { Description = "fashionnet, vgg-small, resnet-small, or resnet18-imagenet (ImageNet-trained backbone, a new head for your classes)", DefaultValueFactory = _ => "fashionnet" };
        var fineTune = new Option<string>("--fine-tune") { Description = "resnet18-imagenet: what trains below the new head: none (frozen backbone), layer4 or all", DefaultValueFactory = _ => "none" };
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
            trainLimit, validationLimit, threads, crop, flip, output, resume, fineTune,
        };
        var monitorFlags = MonitorFlags.AddTo(command);
        var serveFlags = ServeFlags.AddTo(command, servesByDefault: false);
        command.SetAction(async (parse, cancellation) =>
        {
            var resumeFrom = parse.GetValue(resume);
            try
            {
                var stored = resumeFrom is null ? null : FindCheckpoint(resumeFrom);
                // Resuming starts from the run's own options; an option given on the command line replaces the stored value,
                // and the trainer refuses any that may not change. A default the user did not type never overrides the run.
                T Pick<T>(Option<T> option, Func<TrainingOptions, T> storedValue) =>
                    stored is null || parse.GetResult(option) is { Implicit: false } ? parse.GetValue(option)! : storedValue(stored.Options);
                var options = new TrainingOptions
                {
                    Dataset = Pick(dataset, o => o.Dataset), Model = Pick(model, o => o.Model), Epochs = Pick(epochs, o => o.Epochs),
                    Optimizer = Pick(optimizer, o => o.Optimizer).ToLowerInvariant(), LearningRate = Pick(lr, o => o.LearningRate),
                    BatchSize = Pick(batchSize, o => o.BatchSize), Seed = Pick(seed, o => o.Seed), Momentum = Pick(momentum, o => o.Momentum),
                    Nesterov = Pick(nesterov, o => o.Nesterov), WeightDecay = Pick(weightDecay, o => o.WeightDecay),
                    Schedule = Pick(schedule, o => o.Schedule).ToLowerInvariant(), WarmupSteps = Pick(warmup, o => o.WarmupSteps),
                    LabelSmoothing = Pick(labelSmoothing, o => o.LabelSmoothing), TrainLimit = Pick(trainLimit, o => o.TrainLimit),
                    ValidationLimit = Pick(validationLimit, o => o.ValidationLimit), Threads = Pick(threads, o => o.Threads),
                    RandomCropPadding = Pick(crop, o => o.RandomCropPadding), HorizontalFlip = Pick(flip, o => o.HorizontalFlip),
                    FineTune = Pick(fineTune, o => o.FineTune).ToLowerInvariant(),
                    // Settings without a flag of their own continue as stored.
                    StepEpochs = stored?.Options.StepEpochs ?? new TrainingOptions().StepEpochs,
                    StepGamma = stored?.Options.StepGamma ?? new TrainingOptions().StepGamma,
                    ChannelsLast = stored?.Options.ChannelsLast ?? new TrainingOptions().ChannelsLast,
                    // A resumed run writes into its own folder unless --out says otherwise (the trainer finds that folder).
                    OutputDirectory = parse.GetValue(output),
                };
                return await MonitorFlags.RunMonitoredAsync(monitorFlags, serveFlags, parse, monitor => Train(options, stored, cancellation, monitor), cancellation);
            }
            catch (Exception e) when (CliErrors.IsUserError(e))
            {
                return CliErrors.Report(e);
            }
        });
        return command;
    }

    /// <summary>Runs training with console progress; returns the process exit code.</summary>
    public static int Run(TrainingOptions options, string? resumeFrom, CancellationToken cancellation, params TrainingCallback[] extra)
    {
        try
        {
            return Train(options, resumeFrom is null ? null : FindCheckpoint(resumeFrom), cancellation, extra);
        }
        catch (Exception e) when (CliErrors.IsUserError(e))
        {
            return CliErrors.Report(e);
        }
    }

    private static Checkpoint FindCheckpoint(string resumeFrom) =>
        Checkpoint.FindLatest(resumeFrom) ?? throw new TrainingFailedException($"{resumeFrom}: no checkpoint to resume from");

    private static int Train(TrainingOptions options, Checkpoint? resume, CancellationToken cancellation, TrainingCallback[] extra)
    {
        try
        {
            if (resume is null)
            {
                options = options with
                {
                    OutputDirectory = options.OutputDirectory ?? Path.Combine("runs", $"{options.Dataset.Replace(':', '-').Replace('/', '-')}-{options.Model}-{DateTime.Now:yyyyMMdd-HHmmss}"),
                };
            }
            options.Validate();
            if (resume is not null)
            {
                var where = resume.EndOfEpoch ? $"after epoch {resume.Epoch}" : $"in epoch {resume.Epoch}, batch {resume.BatchInEpoch}";
                AnsiConsole.MarkupLine(Markup.Escape($"resuming from {resume.Directory} ({where}, step {resume.Step})"));
            }
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
