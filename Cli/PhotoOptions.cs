using System.CommandLine;
using CnnVis.Training.Data;
using CnnVis.Training.Models;

namespace CnnVis.Cli;

/// <summary>The options the photo commands (dream, invert, features) share: which model, which photo, what size.</summary>
internal sealed class PhotoOptions(int defaultSize = 224)
{
    public Option<string?> Checkpoint { get; } = new("--checkpoint") { Description = "a checkpoint folder, a run folder (its latest checkpoint) or a state-dict .pt; without it, --model's untrained weights" };
    public Option<string?> Model { get; } = new("--model") { Description = $"the architecture ({string.Join(", ", ModelZoo.Names)}); read from the checkpoint when it has checkpoint.json" };
    public Option<string?> Dataset { get; } = new("--dataset") { Description = "the dataset whose normalisation and channels the model expects; default: the checkpoint's, else synthetic-shapes" };
    public Option<string?> Image { get; } = new("--image") { Description = $"the photo: a PNG/JPEG/BMP file, or {SamplePhotos.Prefix}NAME for a sample photo of python3-skimage ({string.Join(", ", SamplePhotos.Photos.Keys)})" };
    public Option<int> Size { get; } = new("--size") { Description = "the photo's longer side in pixels, after resizing (aspect kept)", DefaultValueFactory = _ => defaultSize };
    public Option<string?> Output { get; } = new("--out") { Description = "the PNG to write" };
    public Option<int> Seed { get; } = new("--seed") { Description = "seed of the untrained weights when no --checkpoint is given", DefaultValueFactory = _ => 0 };
    public Option<int> Threads { get; } = ThreadsOption.Create();

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Checkpoint, Model, Dataset, Image, Size, Output, Seed, Threads }) command.Options.Add(option);
    }

    /// <summary>Checks the options every photo command needs and loads the model.</summary>
    public PhotoModel Load(ParseResult parse, out string image, out string output)
    {
        image = parse.GetValue(Image) ?? throw new ArgumentException($"--image is required: a photo file or {SamplePhotos.Prefix}NAME ({string.Join(", ", SamplePhotos.Photos.Keys)})");
        output = parse.GetValue(Output) ?? throw new ArgumentException("--out FILE.png is required");
        ThreadsOption.Apply(parse.GetValue(Threads));
        return PhotoModel.Load(parse.GetValue(Checkpoint), parse.GetValue(Model), parse.GetValue(Dataset), parse.GetValue(Seed));
    }
}
