using System.CommandLine;
using CnnVis.Torch;
using CnnVis.Visualizers.ClassActivation;
using CnnVis.Visualizers.Features;
using CnnVis.Visualizers.Rendering;
using CnnVis.Visualizers.Targets;
using Spectre.Console;

namespace CnnVis.Cli.Commands;

/// <summary>
/// `cnnvis features`: class-agnostic views of one layer on any photo: its feature maps as a grid, Eigen-CAM, guided
/// backprop of one channel, or the image that most excites one channel (activation maximization, from noise); and the
/// model's first-layer filters, which need neither a photo nor a layer.
/// </summary>
public static class FeaturesCommand
{
    // 7x7 ImageNet filters become 28-pixel tiles (4x): large enough to see, small enough for 64 filters in a row of 8.
    private const int FilterTileSize = 28;

    public static readonly string[] Views = ["maps", "eigencam", "guided-backprop", "maximize", "filters"];

    public static Command Build()
    {
        var photo = new PhotoOptions();
        var view = new Option<string>("--view")
        {
            Description = "maps: the layer's feature maps as a grid (up to --max-channels); eigencam: the first principal component of the layer's " +
                "activations over the photo; guided-backprop: the input pattern --channel responds to (guided ReLUs); maximize: an image made " +
                "from noise to excite --channel (--size square; needs no --image); filters: the first convolution's filters as colour tiles (needs neither --image nor --layer)",
            DefaultValueFactory = _ => "maps",
        };
        var layer = new Option<string?>("--layer") { Description = "the layer (dotted path, e.g. layer2 or features.4); see the error for the model's layers" };
        var channel = new Option<int?>("--channel") { Description = "the channel of the layer, for guided-backprop and maximize" };
        var maxChannels = new Option<int>("--max-channels") { Description = "the most feature maps the maps view shows", DefaultValueFactory = _ => 64 };
        var steps = new Option<int>("--steps") { Description = "gradient steps of the maximize view", DefaultValueFactory = _ => 200 };
        var command = new Command("features", "Class-agnostic views of a layer on any photo: feature maps, Eigen-CAM, guided backprop of a channel, channel activation maximization.");
        photo.AddTo(command);
        command.Options.Add(view);
        command.Options.Add(layer);
        command.Options.Add(channel);
        command.Options.Add(maxChannels);
        command.Options.Add(steps);
        command.SetAction((parse, cancellation) => PhotoAction.Run(cancellation, () =>
        {
            var chosen = parse.GetValue(view)!.ToLowerInvariant();
            if (!Views.Contains(chosen)) throw new ArgumentException($"--view must be one of {string.Join(", ", Views)}, got '{parse.GetValue(view)}'");
            var layerName = parse.GetValue(layer);
            if (chosen == "filters" && layerName is not null)
                throw new ArgumentException("--view filters shows the first convolution's filters: leave out --layer");
            if (chosen != "filters" && layerName is null) throw new ArgumentException("--layer is required: the layer to look at (dotted path, e.g. layer2)");
            var channelIndex = parse.GetValue(channel);
            if (chosen is "guided-backprop" or "maximize" && channelIndex is null) throw new ArgumentException($"--view {chosen} needs --channel K");
            if (chosen is "maps" or "eigencam" or "filters" && channelIndex is not null) throw new ArgumentException($"--view {chosen} shows every channel: leave out --channel");
            if (channelIndex is < 0) throw new ArgumentException($"--channel {channelIndex} is out of range: channels are numbered from 0");
            var size = parse.GetValue(photo.Size);
            var output = parse.GetValue(photo.Output) ?? throw new ArgumentException("--out FILE.png is required");
            var image = parse.GetValue(photo.Image);
            if (chosen is not ("maximize" or "filters") && image is null) throw new ArgumentException("--image is required: a photo file or sample:NAME");
            ThreadsOption.Apply(parse.GetValue(photo.Threads));
            var loaded = PhotoModel.Load(parse.GetValue(photo.Checkpoint), parse.GetValue(photo.Model), parse.GetValue(photo.Dataset), parse.GetValue(photo.Seed));
            using var model = loaded.Model;
            if (layerName is not null) loaded.CheckLayer(layerName, "--layer");
            using var scope = torch.NewDisposeScope();
            using var stop = model.register_forward_hook((_, _, _) =>
            {
                cancellation.ThrowIfCancellationRequested();
                return null;
            });
            Tensor picture;
            if (chosen == "filters")
            {
                // In the photo's colours: the ImageNet ResNet-18's first convolution reads BGR.
                using var weights = FirstLayerFilters.Of(model);
                layerName = FirstLayerFilters.PathOf(model);
                AnsiConsole.MarkupLine(Markup.Escape($"{layerName}: {weights.size(0)} filters of {weights.size(1)}x{weights.size(2)}x{weights.size(3)}"));
                picture = FilterGrid.Render(weights, FilterTileSize);
            }
            else if (chosen == "maximize")
            {
                var settings = new ActivationMaximizationSettings { Steps = parse.GetValue(steps) };
                using var result = new ActivationMaximization(settings).Run(model, ActivationGoal.Channels(layerName!, channelIndex!.Value),
                    new long[] { loaded.Data.Channels, size, size }, loaded.Range);
                AnsiConsole.MarkupLine(Markup.Escape($"{layerName} channel {channelIndex}: mean activation {result.InitialScores[0]:G4} -> {result.FinalScores[0]:G4}"));
                picture = result.Render(tileSize: size, columns: 1);
            }
            else
            {
                var pixels = loaded.ReadPhoto(image!, size);
                var looked = layerName!;
                var normalised = loaded.Range.FromUnit(pixels);
                // Refuses, naming the layer, one whose output is not feature maps (a classifier's logits, say).
                if (chosen == "eigencam") FeatureMaps.Capture(model, normalised, looked).Dispose();
                picture = chosen switch
                {
                    "maps" => FeatureMaps.Render(FeatureMaps.Capture(model, normalised, looked), maxChannels: parse.GetValue(maxChannels)),
                    "eigencam" => ExplanationPictures.Of(pixels, new EigenCam(looked).Explain(model, normalised, PredictedClass.Instance)).select(0, 0),
                    _ => ExplanationPictures.Of(pixels, new GuidedLayerActivation(looked, channelIndex!.Value).Explain(model, normalised)).select(0, 0),
                };
            }
            PngFile.Write(output, picture);
            AnsiConsole.MarkupLine(Markup.Escape($"wrote {output} ({chosen} of {layerName} with {loaded.Description})"));
            return 0;
        }));
        return command;
    }
}
