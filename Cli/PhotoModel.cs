using CnnVis.Torch;
using CnnVis.Training.Data;
using CnnVis.Training.Loop;
using CnnVis.Training.Models;
using CnnVis.Visualizers.Features;
using Spectre.Console;

namespace CnnVis.Cli;

/// <summary>
/// A model to look at photos with, for the class-agnostic commands (dream, invert, features): a checkpoint's weights,
/// or a zoo model's seeded initial weights when no checkpoint is given, with the normalisation of the data it was (or
/// would be) trained on. The caller owns <see cref="Model"/>.
/// </summary>
internal sealed record PhotoModel(ClassifierModel Model, DatasetFacts Data, InputRange Range, string Description)
{
    /// <summary>Loads as asked; throws <see cref="ArgumentException"/> naming the option that is wrong.</summary>
    public static PhotoModel Load(string? checkpoint, string? modelName, string? datasetName, int seed)
    {
        if (checkpoint is null && modelName is null)
            throw new ArgumentException($"give --checkpoint (a checkpoint folder, a run folder or a .pt file) or --model ({string.Join(", ", ModelZoo.Names)}) for its untrained weights");
        var meta = checkpoint is null || File.Exists(checkpoint) ? null : Checkpoint.FindLatest(checkpoint)
            ?? throw new ArgumentException($"--checkpoint {checkpoint}: no such file, and no checkpoint folder there");
        var name = modelName ?? meta?.Options.Model ?? throw new ArgumentException($"--model is required with a bare .pt file ({string.Join(", ", ModelZoo.Names)})");
        var dataset = datasetName ?? meta?.Options.Dataset ?? Datasets.SyntheticShapesName;
        // As the model reads it: the ImageNet ResNet-18 takes pixels in [0, 1] (it preprocesses them itself), not the data's statistics.
        var data = ModelZoo.DescribeDataset(dataset, name, train: false, seed: meta?.Options.Seed ?? 0);
        var classes = meta?.ClassNames is { Length: > 1 } names ? names.Length : Math.Max(2, data.ClassNames.Count);
        torch.manual_seed(seed);
        var model = ModelZoo.Create(name, data.Channels, classes);
        try
        {
            string description;
            if (checkpoint is not null)
            {
                Checkpoint.LoadWeights(meta?.Directory ?? checkpoint, model);
                description = $"{name} from {checkpoint}";
            }
            else
            {
                description = $"{name} with untrained weights (seed {seed})";
                AnsiConsole.MarkupLine(Markup.Escape($"note: no --checkpoint: {description}"));
            }
            model.eval();
            var range = InputRange.FromNormalization(data.Normalization.Mean, data.Normalization.Std);
            return new PhotoModel(model, data, range, description);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads <paramref name="file"/> (a path or <c>sample:NAME</c>) as the model's channels, resized so its longer side is
    /// <paramref name="size"/> pixels (aspect kept): pixels in [0, 1], [1, C, H, W], owned by the current scope.
    /// </summary>
    public Tensor ReadPhoto(string file, int size)
    {
        if (size is < 8 or > 4096) throw new ArgumentException($"--size must be from 8 to 4096 pixels, got {size}");
        var path = SamplePhotos.Resolve(file);
        if (!File.Exists(path)) throw new FileNotFoundException($"--image {file}: no such file", path);
        var decoded = torchvision.io.read_image(path, Data.Channels == 1 ? 1 : 3);
        var chw = decoded.permute(2, 0, 1).unsqueeze(0).to(ScalarType.Float32) / 255.0;
        long height = chw.size(2), width = chw.size(3);
        var scale = (double)size / Math.Max(height, width);
        var target = new[] { Math.Max(1L, (long)Math.Round(height * scale)), Math.Max(1L, (long)Math.Round(width * scale)) };
        return torch.nn.functional.interpolate(chw, target).clamp(0, 1);
    }

    /// <summary>Throws naming <paramref name="option"/> and the model's layers unless <paramref name="layer"/> is one of them.</summary>
    public void CheckLayer(string layer, string option)
    {
        var names = Model.named_modules().Select(m => m.name).Where(n => n.Length > 0).ToList();
        if (!names.Contains(layer))
            throw new ArgumentException($"{option}: {Model.GetName()} has no layer '{layer}'; its layers are {string.Join(", ", names)}");
    }
}
