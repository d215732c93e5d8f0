using System.CommandLine;
using System.Globalization;
using CnnVis.Monitor;
using CnnVis.Torch;
using CnnVis.Training.Data;
using CnnVis.Training.Loop;
using CnnVis.Training.Models;
using CnnVis.Visualizers;
using CnnVis.Visualizers.Rendering;
using CnnVis.Visualizers.Targets;
using Spectre.Console;

namespace CnnVis.Cli.Commands;

/// <summary>`cnnvis explain`: explains images (files or dataset images) with a stored checkpoint, as PNG and .npy.</summary>
public static class ExplainCommand
{
    public static Command Build()
    {
        var checkpoint = new Option<string?>("--checkpoint") { Description = "a checkpoint folder (runs/.../checkpoints/epoch-0003), a run folder (its latest checkpoint), or a state-dict .pt (also one saved by PyTorch)" };
        var model = new Option<string?>("--model") { Description = "the architecture (fashionnet, vgg-small, resnet-small); read from the checkpoint when it has checkpoint.json" };
        var classes = new Option<int?>("--classes") { Description = "number of classes, for a bare .pt (default: the dataset's)" };
        var images = new Option<string[]>("--image") { Description = "image file(s) to explain (PNG, JPEG, BMP); resized to the dataset's size", AllowMultipleArgumentsPerToken = true };
        var dataset = new Option<string?>("--dataset") { Description = "the dataset the model was trained on (sizes, normalisation, class names); default: the checkpoint's, else fashion-mnist" };
        var indices = new Option<string?>("--indices") { Description = "explain test images of the dataset instead of files, e.g. 0-15 or 3,7,9" };
        var methods = new Option<string[]>("--method") { Description = "method(s), comma-separated or repeated; see --list-methods", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => ["gradcam"] };
        var target = new Option<string>("--target") { Description = "what to explain: predicted, true (dataset images only) or a class index", DefaultValueFactory = _ => "predicted" };
        var layer = new Option<string?>("--layer") { Description = "layer for CAM-family methods (dotted path); default: the model's explanation layer" };
        var output = new Option<string?>("--out") { Description = "PNG to write: one overlay for one image and one method, else a labelled grid" };
        var npy = new Option<string?>("--npy") { Description = "also write the raw float32 maps as .npy (one file per method when several)" };
        var colormap = new Option<string>("--colormap") { Description = "jet, viridis, inferno or grey", DefaultValueFactory = _ => "jet" };
        var list = new Option<bool>("--list-methods") { Description = "list the methods and exit" };

        var command = new Command("explain", "Explain images with a trained checkpoint: heat maps over the images as PNG, raw maps as .npy.")
        {
            checkpoint, model, classes, images, dataset, indices, methods, target, layer, output, npy, colormap, list,
        };
        command.SetAction(parse =>
        {
            if (parse.GetValue(list))
            {
                var table = new Table().AddColumn("method").AddColumn("what it shows");
                foreach (var name in ExplanationMethods.Names) table.AddRow(name, Markup.Escape(ExplanationMethods.Describe(name)));
                AnsiConsole.Write(table);
                return 0;
            }
            try
            {
                var request = new ExplainRequest(parse.GetValue(checkpoint), parse.GetValue(model), parse.GetValue(classes),
                    parse.GetValue(images) ?? [], parse.GetValue(dataset), parse.GetValue(indices),
                    SplitList(parse.GetValue(methods) ?? []), parse.GetValue(target)!, parse.GetValue(layer), parse.GetValue(output),
                    parse.GetValue(npy), parse.GetValue(colormap)!);
                foreach (var written in Run(request)) AnsiConsole.MarkupLine($"wrote [blue]{Markup.Escape(written)}[/]");
                return 0;
            }
            catch (Exception e) when (CliErrors.IsUserError(e))
            {
                return CliErrors.Report(e);
            }
        });
        return command;
    }

    private static string[] SplitList(IEnumerable<string> values) =>
        values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();

    /// <summary>What a user asked `cnnvis explain` for.</summary>
    public sealed record ExplainRequest(string? Checkpoint, string? Model, int? Classes, string[] Images, string? Dataset, string? Indices,
        string[] Methods, string Target, string? Layer, string? Output, string? Npy, string Colormap);

    /// <summary>Explains as asked; returns the files written.</summary>
    public static IReadOnlyList<string> Run(ExplainRequest r)
    {
        if (r.Checkpoint is null) throw new ArgumentException("--checkpoint is required: a checkpoint folder, a run folder or a .pt file");
        if (r.Images.Length == 0 && r.Indices is null) throw new ArgumentException("give --image FILE or --indices RANGE (dataset test images) to explain");
        if (r.Images.Length > 0 && r.Indices is not null) throw new ArgumentException("give either --image or --indices, not both");
        if (r.Output is null && r.Npy is null) throw new ArgumentException("give --out FILE.png and/or --npy FILE.npy");
        if (r.Methods.Length == 0) throw new ArgumentException("give at least one --method");
        var colours = Colormap.FromName(r.Colormap);
        var methods = ExplanationMethods.CreateMany(r.Methods, r.Layer);

        // What the checkpoint says about itself, when it says anything.
        var meta = File.Exists(r.Checkpoint) ? null : Checkpoint.FindLatest(r.Checkpoint)
            ?? throw new ArgumentException($"--checkpoint {r.Checkpoint}: no such file, and no checkpoint folder there");
        var weights = meta?.Directory ?? r.Checkpoint;
        var datasetName = r.Dataset ?? meta?.Options.Dataset ?? "fashion-mnist";
        var data = Datasets.Create(datasetName, train: false, seed: meta?.Options.Seed ?? 0);
        var modelName = r.Model ?? meta?.Options.Model ?? throw new ArgumentException("--model is required with a bare .pt file (fashionnet, vgg-small or resnet-small)");
        var classNames = meta?.ClassNames ?? data.ClassNames.ToArray();
        var classCount = r.Classes ?? classNames.Length;
        if (classCount < 2) throw new ArgumentException($"--classes must be at least 2, got {classCount}");
        using var model = ModelZoo.Create(modelName, data.Channels, classCount);
        Checkpoint.LoadWeights(weights, model);
        // Standard layout on purpose: channels-last is faster, but libtorch's channels-last input gradients differ
        // from the standard ones by up to 4e-2 (normalised saliency, measured by bench explain), and a post-hoc
        // explanation should match what PyTorch gives for the same weights.
        model.eval();

        using var scope = torch.NewDisposeScope();
        var (display, normalised, labels, rowNames) = LoadInputs(r, data);
        ExplanationTarget target = r.Target.ToLowerInvariant() switch
        {
            "predicted" => PredictedClass.Instance,
            "true" => labels is null ? throw new ArgumentException("--target true needs dataset images (--indices); files have no label") : new TrueLabel(labels),
            var t when int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out var k) =>
                k >= 0 && k < classCount ? new ClassTarget(k) : throw new ArgumentException($"--target {k} is out of range: the model has {classCount} classes (0-{classCount - 1})"),
            _ => throw new ArgumentException($"--target must be predicted, true or a class index, got '{r.Target}'"),
        };

        var pass = new ExplanationPass(methods);
        using var set = pass.Run(model, normalised, target);
        var written = new List<string>();
        if (r.Output is not null)
        {
            if (display.size(0) == 1 && methods.Count == 1)
            {
                using var picture = ExplanationPictures.Of(display, set[methods[0]], colours);
                PngFile.Write(r.Output, picture.select(0, 0));
            }
            else
            {
                var grid = ExplanationGrid.Build(display, set, classNames, labels, colormap: colours);
                grid.Save(r.Output);
            }
            written.Add(r.Output);
        }
        if (r.Npy is not null)
        {
            foreach (var method in methods)
            {
                var path = methods.Count == 1 ? r.Npy : Path.ChangeExtension(r.Npy, null) + "." + method.Name + ".npy";
                NpyFile.Write(path, set[method]);
                written.Add(path);
            }
        }
        if (rowNames is not null) AnsiConsole.MarkupLine(Markup.Escape($"explained {string.Join(", ", rowNames)} with {string.Join(", ", methods.Select(m => m.Name))}"));
        return written;
    }

    /// <summary>The images as displayed ([N, C, H, W] in [0, 1]) and as the model sees them, with labels for dataset images.</summary>
    private static (Tensor display, Tensor normalised, int[]? labels, string[]? names) LoadInputs(ExplainRequest r, ImageDataset data)
    {
        if (r.Indices is not null)
        {
            var chosen = ParseIndices(r.Indices, data.Count);
            var probes = ProbeSet.FromIndices(data, chosen);
            return (probes.Display, probes.Images, probes.Labels.ToArray(), chosen.Select(i => $"#{i}").ToArray());
        }
        var pixels = new List<Tensor>();
        foreach (var file in r.Images)
        {
            using var decoded = torchvision.io.read_image(file, data.Channels == 1 ? 1 : 3);
            var chw = decoded.permute(2, 0, 1).unsqueeze(0).to(ScalarType.Float32) / 255.0;
            pixels.Add(torch.nn.functional.interpolate(chw, [data.Height, data.Width]).clamp(0, 1));
        }
        var display = torch.cat(pixels.ToArray(), 0);
        return (display, data.Normalization.Apply(display), null, r.Images.Select(f => Path.GetFileName(f)).ToArray());
    }

    /// <summary>"0-15", "3,7,9" or "0-3,10" → indices, each checked against the dataset's size.</summary>
    public static int[] ParseIndices(string text, int count)
    {
        var result = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var dash = part.IndexOf('-', 1);
            if (!(dash < 0 ? TryRange(part, part, out var a, out var b) : TryRange(part[..dash], part[(dash + 1)..], out a, out b)) || a > b)
                throw new ArgumentException($"--indices: '{part}' is not an index or a range like 0-15");
            if (b >= count) throw new ArgumentException($"--indices: {b} is out of range: the test split has {count} images (0-{count - 1})");
            for (var i = a; i <= b; i++) result.Add(i);
        }
        if (result.Count == 0) throw new ArgumentException("--indices names no image");
        if (result.Count > 1024) throw new ArgumentException($"--indices names {result.Count} images; explain at most 1024 at once");
        return result.ToArray();

        static bool TryRange(string from, string to, out int a, out int b)
        {
            b = 0;
            return int.TryParse(from, NumberStyles.None, CultureInfo.InvariantCulture, out a) && int.TryParse(to, NumberStyles.None, CultureInfo.InvariantCulture, out b);
        }
    }
}
