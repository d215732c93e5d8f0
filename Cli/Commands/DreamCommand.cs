using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using CnnVis.Torch;
using CnnVis.Visualizers.Dreams;
using Spectre.Console;

namespace CnnVis.Cli.Commands;

/// <summary>`cnnvis dream`: deep dream on a photo with a checkpoint or a zoo model, written as PNG.</summary>
public static class DreamCommand
{
    public static Command Build()
    {
        var photo = new PhotoOptions();
        var spec = new Option<string>("--spec")
        {
            Description = "the dream as a method spec: deepdream[@LAYER](octaves=4,scale=1.4,steps=10,step=0.05,jitter=8,channel=K,seed=0); " +
                string.Join("; ", DeepDreamSettings.Keys.Select(k => $"{k.Key}: {k.Description} ({k.Accepts}, default {k.Default})")),
            DefaultValueFactory = _ => DeepDreamSettings.MethodName,
        };
        var layer = new Option<string?>("--layer") { Description = "the layer to amplify (dotted path, e.g. layer3 or features.12), when --spec names none" };
        var command = new Command("dream", "Deep dream: amplify what a layer (or one of its channels) sees in a photo, over several octaves; writes a PNG.");
        photo.AddTo(command);
        command.Options.Add(spec);
        command.Options.Add(layer);
        command.SetAction((parse, cancellation) => PhotoAction.Run(cancellation, () =>
        {
            var settings = DeepDreamSettings.Parse(parse.GetValue(spec)!, parse.GetValue(layer));
            var loaded = photo.Load(parse, out var image, out var output);
            using var model = loaded.Model;
            loaded.CheckLayer(settings.Layer, "--layer");
            using var scope = torch.NewDisposeScope();
            var pixels = loaded.ReadPhoto(image, parse.GetValue(photo.Size));
            var dream = new DeepDream(settings);
            dream.OctaveSizes(pixels.size(2), pixels.size(3));
            AnsiConsole.MarkupLine(Markup.Escape($"dreaming {settings} on {image} ({pixels.size(3)}x{pixels.size(2)}) with {loaded.Description}"));
            using var stop = model.register_forward_hook((_, _, _) =>
            {
                cancellation.ThrowIfCancellationRequested();
                return null;
            });
            var clock = Stopwatch.StartNew();
            using var result = dream.Run(model, loaded.Range.FromUnit(pixels), loaded.Range);
            foreach (var octave in result.Octaves)
            {
                AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                    $"octave {octave.Index + 1} ({octave.Width}x{octave.Height}): objective {octave.ObjectiveBefore[0]:G4} -> {octave.ObjectiveAfter[0]:G4}")));
            }
            result.Save(output);
            AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"wrote {output} in {clock.Elapsed.TotalSeconds:F1} s")));
            return 0;
        }));
        return command;
    }
}
