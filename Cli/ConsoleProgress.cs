using System.Globalization;
using CnnVis.Cli.Commands;
using CnnVis.Training.Loop;
using Spectre.Console;

namespace CnnVis.Cli;

/// <summary>Shows a training run in the terminal: a live progress bar per epoch and a one-line summary after each.</summary>
public sealed class ConsoleProgress : TrainingCallback
{
    private ProgressContext? _progress;
    private ProgressTask? _task;
    private double _smoothedLoss = double.NaN;

    public override string Name => "console progress";

    public TrainingOutcome Run(Func<TrainingOutcome> train)
    {
        TrainingOutcome? outcome = null;
        AnsiConsole.Progress()
            .AutoClear(true)
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                _progress = ctx;
                outcome = train();
            });
        return outcome!;
    }

    public override void OnTrainBegin(TrainingContext context)
    {
        var o = context.Options;
        AnsiConsole.MarkupLine($"training [bold]{o.Model}[/] on [bold]{Markup.Escape(o.Dataset)}[/]: {context.TrainData.Count} images, " +
            $"{context.ValidationData.Count} for validation, {o.Optimizer} lr {o.LearningRate.ToString(CultureInfo.InvariantCulture)}, batch {o.BatchSize}, seed {o.Seed}, {o.Threads} threads");
    }

    public override void OnEpochBegin(TrainingContext context, int epoch)
    {
        _task = _progress?.AddTask($"epoch {epoch}/{context.Options.Epochs}", maxValue: context.BatchesPerEpoch);
    }

    public override void OnBatchEnd(TrainingContext context, BatchEnd batch)
    {
        _smoothedLoss = double.IsNaN(_smoothedLoss) ? batch.Loss : 0.9 * _smoothedLoss + 0.1 * batch.Loss;
        if (_task is null) return;
        _task.Value = batch.Batch;
        _task.Description = $"epoch {batch.Epoch}/{context.Options.Epochs} loss {_smoothedLoss:F4}";
    }

    public override void OnEpochEnd(TrainingContext context, EpochSummary s)
    {
        _task?.StopTask();
        AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"epoch {s.Epoch}: train loss {s.TrainLoss:F4} acc {TrainCommand.Percent(s.TrainAccuracy)} | validation loss {s.Validation.Loss:F4} acc [bold]{TrainCommand.Percent(s.Validation.Accuracy)}[/] | {s.ImagesPerSecond:F0} img/s, {s.Elapsed.TotalSeconds:F1} s"));
    }

    public override void OnCheckpointSaved(TrainingContext context, CheckpointInfo checkpoint)
    {
        if (!checkpoint.EndOfEpoch) AnsiConsole.MarkupLine($"checkpoint saved: [blue]{Markup.Escape(checkpoint.Directory)}[/]");
    }
}
