using System.CommandLine;
using CnnVis.Monitor;
using CnnVis.Training.Loop;
using Spectre.Console;

namespace CnnVis.Cli.Commands;

/// <summary>
/// `cnnvis demo`: the main job in one command. Trains FashionNet briefly on Fashion-MNIST and, after every epoch,
/// writes a labelled grid of 16 test images × CAM, Grad-CAM, saliency and guided backprop, and the first-layer
/// filters, as PNGs: watching explanations change while the model trains.
/// </summary>
public static class DemoCommand
{
    public static Command Build()
    {
        var output = new Option<string>("--out") { Description = "folder for the run", DefaultValueFactory = _ => Path.Combine("runs", "demo") };
        var epochs = new Option<int>("--epochs") { Description = "epochs to train", DefaultValueFactory = _ => 2 };
        var threads = ThreadsOption.Create();
        var command = new Command("demo", "Train FashionNet briefly on Fashion-MNIST (12,000 images, 2 epochs), writing explanation grids and filters after each epoch.") { output, epochs, threads };
        command.SetAction((parse, cancellation) =>
        {
            try
            {
                ThreadsOption.Validate(parse.GetValue(threads));
            }
            catch (ArgumentException e)
            {
                return Task.FromResult(CliErrors.Report(e));
            }
            var options = new TrainingOptions
            {
                Dataset = "fashion-mnist", Model = "fashionnet", Epochs = parse.GetValue(epochs), Optimizer = "adam", LearningRate = 1e-3,
                BatchSize = 128, Seed = 0, TrainLimit = 12_000, ValidationLimit = 2_000, OutputDirectory = parse.GetValue(output),
                Threads = parse.GetValue(threads),
            };
            var pictures = new ProbeGridWriter(Path.Combine(options.OutputDirectory!, "explanations"));
            pictures.PictureWritten += path => AnsiConsole.MarkupLine($"wrote [blue]{Markup.Escape(path)}[/]");
            return Task.FromResult(TrainCommand.Run(options, null, cancellation, pictures));
        });
        return command;
    }
}
