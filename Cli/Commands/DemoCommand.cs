using System.CommandLine;
using CnnVis.Training.Loop;

namespace CnnVis.Cli.Commands;

/// <summary>`cnnvis demo`: the main job in one command — a short real FashionNet training run on Fashion-MNIST.</summary>
public static class DemoCommand
{
    public static Command Build()
    {
        var output = new Option<string>("--out") { Description = "folder for the run", DefaultValueFactory = _ => Path.Combine("runs", "demo") };
        var epochs = new Option<int>("--epochs") { Description = "epochs to train", DefaultValueFactory = _ => 2 };
        var command = new Command("demo", "Train FashionNet briefly on Fashion-MNIST (12,000 images, 2 epochs) and keep its checkpoints.") { output, epochs };
        command.SetAction((parse, cancellation) =>
        {
            var options = new TrainingOptions
            {
                Dataset = "fashion-mnist", Model = "fashionnet", Epochs = parse.GetValue(epochs), Optimizer = "adam", LearningRate = 1e-3,
                BatchSize = 128, Seed = 0, TrainLimit = 12_000, ValidationLimit = 2_000, OutputDirectory = parse.GetValue(output),
            };
            return Task.FromResult(TrainCommand.Run(options, null, cancellation));
        });
        return command;
    }
}
