using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using CnnVis.Torch;
using CnnVis.Visualizers;
using CnnVis.Visualizers.Inversion;
using Spectre.Console;

namespace CnnVis.Cli.Commands;

/// <summary>`cnnvis invert`: reconstructs a photo from several layers' representations, shallow to deep, as one labelled grid.</summary>
public static class InvertCommand
{
    public static Command Build()
    {
        var photo = new PhotoOptions(defaultSize: 128);
        var spec = new Option<string>("--spec")
        {
            Description = "the inversion's settings as a method spec: invert(steps=200,lr=0.05,tv=0.5,beta=2,norm=0.05,alpha=6,noise=0.1,seed=0); " +
                string.Join("; ", InversionSettings.Keys.Select(k => $"{k.Key}: {k.Description} ({k.Accepts}, default {k.Default})")),
            DefaultValueFactory = _ => InversionSettings.MethodName,
        };
        var layers = new Option<string[]>("--layers")
        {
            Description = "the layers to reconstruct from, shallow to deep, comma-separated or repeated (dotted paths, e.g. stem,layer1,layer2,layer3)",
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("invert", "Inverted representations: reconstruct a photo from what each layer keeps of it, shown side by side from shallow to deep layers.");
        photo.AddTo(command);
        command.Options.Add(spec);
        command.Options.Add(layers);
        command.SetAction((parse, cancellation) => PhotoAction.Run(cancellation, () =>
        {
            var (specLayer, settings) = InversionSettings.Parse(parse.GetValue(spec)!);
            var chosen = (parse.GetValue(layers) ?? []).SelectMany(v => MethodSpec.SplitList(v)).ToList();
            if (specLayer is not null) chosen.Insert(0, specLayer);
            if (chosen.Count == 0) throw new ArgumentException("--layers is required: the layers to reconstruct from, e.g. --layers stem,layer1,layer2");
            var repeated = chosen.GroupBy(l => l).FirstOrDefault(g => g.Count() > 1);
            if (repeated is not null) throw new ArgumentException($"--layers names '{repeated.Key}' more than once");
            var loaded = photo.Load(parse, out var image, out var output);
            using var model = loaded.Model;
            foreach (var layer in chosen) loaded.CheckLayer(layer, "--layers");
            using var scope = torch.NewDisposeScope();
            var pixels = loaded.ReadPhoto(image, parse.GetValue(photo.Size));
            var photos = loaded.Range.FromUnit(pixels);
            using var stop = model.register_forward_hook((_, _, _) =>
            {
                cancellation.ThrowIfCancellationRequested();
                return null;
            });
            var inversion = new RepresentationInversion(settings);
            var results = new List<InversionResult>();
            try
            {
                foreach (var layer in chosen)
                {
                    var clock = Stopwatch.StartNew();
                    var result = inversion.Run(model, photos, layer, loaded.Range);
                    results.Add(result);
                    AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                        $"{layer}: representation distance {result.InitialDistance[0]:G3} -> {result.FinalDistance[0]:G3} in {settings.Steps} steps ({clock.Elapsed.TotalSeconds:F1} s)")));
                }
                InversionGrid.Build(pixels, results, [Path.GetFileName(image)]).Save(output);
            }
            finally
            {
                foreach (var result in results) result.Dispose();
            }
            AnsiConsole.MarkupLine(Markup.Escape($"wrote {output}"));
            return 0;
        }));
        return command;
    }
}
