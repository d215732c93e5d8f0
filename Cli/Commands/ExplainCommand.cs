using System.CommandLine;
using System.Globalization;
using CnnVis.Monitor;
using CnnVis.Torch;
using CnnVis.Training.Data;
using CnnVis.Training.Loop;
using CnnVis.Training.Models;
using CnnVis.Visualizers;
using CnnVis.Visualizers.ClassActivation;
using CnnVis.Visualizers.Features;
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
        var methods = new Option<string[]>("--method")
        {
            Description = "method spec(s), comma-separated or repeated, with settings in parentheses, e.g. integrated-gradients(steps=64,baseline=black); see --list-methods",
            AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => ["gradcam"],
        };
        var target = new Option<string>("--target") { Description = "what to explain: predicted, true (dataset images only) or a class index", DefaultValueFactory = _ => "predicted" };
        var layer = new Option<string?>("--layer") { Description = "layer for CAM-family methods (dotted path); default: the model's explanation layer" };
        var output = new Option<string?>("--out") { Description = "PNG to write: one overlay for one image and one method, else a labelled grid" };
        var npy = new Option<string?>("--npy") { Description = "also write the raw float32 maps as .npy (one file per method when several)" };
        var colormap = new Option<string>("--colormap") { Description = "jet, viridis, inferno or grey", DefaultValueFactory = _ => "jet" };
        var list = new Option<bool>("--list-methods") { Description = "list the methods with their settings and exit" };
        var threads = ThreadsOption.Create();

        var command = new Command("explain", "Explain images with a trained checkpoint: heat maps over the images as PNG, raw maps as .npy.")
        {
            checkpoint, model, classes, images, dataset, indices, methods, target, layer, output, npy, colormap, list, threads,
        };
        command.SetAction((parse, cancellation) =>
        {
            if (parse.GetValue(list))
            {
                ListMethods();
                return Task.FromResult(0);
            }
            try
            {
                var request = new ExplainRequest(parse.GetValue(checkpoint), parse.GetValue(model), parse.GetValue(classes),
                    parse.GetValue(images) ?? [], parse.GetValue(dataset), parse.GetValue(indices),
                    SplitList(parse.GetValue(methods) ?? []), parse.GetValue(target)!, parse.GetValue(layer), parse.GetValue(output),
                    parse.GetValue(npy), parse.GetValue(colormap)!, parse.GetValue(threads));
                foreach (var written in Run(request, cancellation)) AnsiConsole.MarkupLine($"wrote [blue]{Markup.Escape(written)}[/]");
                return Task.FromResult(0);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                AnsiConsole.MarkupLine("[yellow]stopped: nothing was written[/]");
                return Task.FromResult(InterruptedExitCode);
            }
            catch (Exception e) when (CliErrors.IsUserError(e))
            {
                return Task.FromResult(CliErrors.Report(e));
            }
        });
        return command;
    }

    /// <summary>The exit code of an explain stopped by Ctrl+C (128 + SIGINT, as shells report it).</summary>
    public const int InterruptedExitCode = 130;

    private static void ListMethods()
    {
        var table = new Table().AddColumn("method").AddColumn("settings (default)").AddColumn("what it shows");
        foreach (var name in ExplanationMethods.Names)
        {
            var settings = ExplanationMethods.Settings(name).Select(s => $"{s.Key}={s.Default} ({s.Accepts}): {s.Description}");
            table.AddRow(name, Markup.Escape(string.Join("\n", settings)), Markup.Escape(ExplanationMethods.Describe(name)));
        }
        AnsiConsole.Write(table);
        AnsiConsole.WriteLine("Settings go in parentheses, e.g. integrated-gradients(steps=64,baseline=black), occlusion(window=8,stride=4,fill=black),");
        AnsiConsole.WriteLine("smoothgrad(gradcam,samples=32,noise=0.15), scorecam@features.12(batch=32); @LAYER points a CAM-family method at a layer.");
    }

    /// <summary>Splits the --method values into specs: commas separate specs, but not inside a spec's parentheses.</summary>
    private static string[] SplitList(IEnumerable<string> values) => values.SelectMany(MethodSpec.SplitList).ToArray();

    /// <summary>What a user asked `cnnvis explain` for.</summary>
    public sealed record ExplainRequest(string? Checkpoint, string? Model, int? Classes, string[] Images, string? Dataset, string? Indices,
        string[] Methods, string Target, string? Layer, string? Output, string? Npy, string Colormap, int Threads);

    /// <summary>Explains as asked; returns the files written. <paramref name="cancellation"/> stops it between forwards.</summary>
    public static IReadOnlyList<string> Run(ExplainRequest r, CancellationToken cancellation = default)
    {
        if (r.Checkpoint is null) throw new ArgumentException("--checkpoint is required: a checkpoint folder, a run folder or a .pt file");
        if (r.Images.Length == 0 && r.Indices is null) throw new ArgumentException("give --image FILE or --indices RANGE (dataset test images) to explain");
        if (r.Images.Length > 0 && r.Indices is not null) throw new ArgumentException("give either --image or --indices, not both");
        if (r.Output is null && r.Npy is null) throw new ArgumentException("give --out FILE.png and/or --npy FILE.npy");
        if (r.Methods.Length == 0) throw new ArgumentException("give at least one --method");
        var colours = Colormap.FromName(r.Colormap);
        // The specs are checked before anything is loaded; they are made again below, knowing the data's normalisation.
        foreach (var spec in r.Methods) ExplanationMethods.Describe(spec);
        ThreadsOption.Apply(r.Threads);

        // What the checkpoint says about itself, when it says anything.
        var meta = File.Exists(r.Checkpoint) ? null : Checkpoint.FindLatest(r.Checkpoint)
            ?? throw new ArgumentException($"--checkpoint {r.Checkpoint}: no such file, and no checkpoint folder there");
        if (meta?.ModelType is { } userModel && r.Model is null)
        {
            throw new ArgumentException(
                $"--checkpoint {r.Checkpoint}: the checkpoint is of a user-defined model, {userModel}, which the CLI cannot build; explain it in code (Checkpoint.LoadModel into a {userModel})");
        }
        var weights = meta?.Directory ?? r.Checkpoint;
        var datasetName = r.Dataset ?? meta?.Options.Dataset ?? "fashion-mnist";
        // Dataset images are read only to explain them; an image file needs only the dataset's size, normalisation and classes.
        var seed = meta?.Options.Seed ?? 0;
        var modelName = r.Model ?? meta?.Options.Model ?? throw new ArgumentException($"--model is required with a bare .pt file ({string.Join(", ", ModelZoo.Names)})");
        // The dataset as the model reads it (resnet18-imagenet: 224x224, pixels it preprocesses itself).
        var dataset = r.Indices is null ? null : ModelZoo.OpenDataset(datasetName, modelName, train: false, seed: seed);
        var data = dataset is null ? ModelZoo.DescribeDataset(datasetName, modelName, train: false, seed: seed) : DatasetFacts.Of(dataset);
        var (classCount, classNames) = Classes(r, meta, data);
        var methods = ExplanationMethods.CreateMany(r.Methods, r.Layer, InputRange.FromNormalization(data.Normalization.Mean, data.Normalization.Std));
        using var model = ModelZoo.Create(modelName, data.Channels, classCount);
        Checkpoint.LoadWeights(weights, model);
        WarnAboutNonFiniteWeights(weights, model);
        // Standard layout on purpose: channels-last is faster, but libtorch's channels-last input gradients differ
        // from the standard ones by up to 4e-2 (normalised saliency, measured by bench explain), and a post-hoc
        // explanation should match what PyTorch gives for the same weights.
        model.eval();
        cancellation.ThrowIfCancellationRequested();

        using var scope = torch.NewDisposeScope();
        var (display, normalised, labels, rowNames) = LoadInputs(r, data, dataset);
        ExplanationTarget target = r.Target.ToLowerInvariant() switch
        {
            "predicted" => PredictedClass.Instance,
            "true" => labels is null ? throw new ArgumentException("--target true needs dataset images (--indices); files have no label") : new TrueLabel(labels),
            var t when int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out var k) =>
                k >= 0 && k < classCount ? new ClassTarget(k) : throw new ArgumentException($"--target {k} is out of range: the model has {classCount} classes (0-{classCount - 1})"),
            _ => throw new ArgumentException($"--target must be predicted, true or a class index, got '{r.Target}'"),
        };
        CheckLayers(model, methods, normalised, r.Layer);

        AnsiConsole.MarkupLine(Markup.Escape($"explaining {string.Join(", ", rowNames)} with {string.Join(", ", methods.Select(m => m.Name))} ({r.Threads} thread{(r.Threads == 1 ? "" : "s")})"));
        // Every chunk of every method goes through the model's forward: stopping there stops the methods' loops.
        using var stop = model.register_forward_hook((_, _, _) =>
        {
            cancellation.ThrowIfCancellationRequested();
            return null;
        });
        var pass = new ExplanationPass(methods);
        using var set = pass.Run(model, normalised, target);
        cancellation.ThrowIfCancellationRequested();
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
                var path = methods.Count == 1 ? r.Npy : Path.ChangeExtension(r.Npy, null) + "." + FileName(method.Name) + ".npy";
                NpyFile.Write(path, set[method]);
                written.Add(path);
            }
        }
        return written;
    }

    /// <summary>A method's name as part of a file name: its settings' punctuation becomes '-'.</summary>
    private static string FileName(string methodName) =>
        new string(methodName.Select(c => char.IsLetterOrDigit(c) || c is '-' or '+' or '.' or '@' ? c : '-').ToArray()).TrimEnd('-');

    /// <summary>
    /// How many classes the model has and their names: --classes, else the checkpoint's names, else the dataset's.
    /// A checkpoint that lists no names (or a count that differs from the names) gets "class 0", "class 1", ...
    /// </summary>
    private static (int count, string[] names) Classes(ExplainRequest r, Checkpoint? meta, DatasetFacts data)
    {
        var names = meta?.ClassNames is { Length: > 0 } stored ? stored : data.ClassNames.ToArray();
        if (meta is not null && meta.ClassNames is not { Length: > 0 })
            AnsiConsole.MarkupLine(Markup.Escape($"warning: {Path.Combine(meta.Directory, Checkpoint.MetaFile)} lists no class names; using {data.Name}'s {names.Length}"));
        var count = r.Classes ?? names.Length;
        if (count < 2) throw new ArgumentException($"--classes must be at least 2, got {count}");
        if (names.Length != count) names = Enumerable.Range(0, count).Select(k => $"class {k}").ToArray();
        return (count, names);
    }

    /// <summary>Says which parameters hold NaN or infinity: such weights make every map NaN, which otherwise looks like a blank picture.</summary>
    private static void WarnAboutNonFiniteWeights(string checkpoint, Module model)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var all = model.named_parameters().Select(p => (p.name, tensor: (Tensor)p.parameter)).Concat(model.named_buffers().Select(b => (b.name, tensor: b.buffer))).ToList();
        // x − x is 0 for every finite x and NaN for NaN and ±infinity.
        var bad = all.Where(p => p.tensor.dtype is ScalarType.Float32 or ScalarType.Float64 or ScalarType.Float16 or ScalarType.BFloat16
                && double.IsNaN((p.tensor - p.tensor).sum().item<double>()))
            .Select(p => p.name).ToList();
        if (bad.Count == 0) return;
        var shown = string.Join(", ", bad.Take(8)) + (bad.Count > 8 ? $" and {bad.Count - 8} more" : "");
        AnsiConsole.MarkupLine($"[yellow]{Markup.Escape($"warning: {checkpoint} has non-finite weights (NaN or infinity) in {bad.Count} of {all.Count} tensors: {shown}; its maps will be NaN")}[/]");
    }

    /// <summary>
    /// Refuses a layer that CAM-family methods cannot read before any method runs: it must exist and give feature maps
    /// [N, C, h, w] (a classifier's [N, classes] does not). One forward of one image tells each layer's shape.
    /// </summary>
    private static void CheckLayers(Module model, IReadOnlyList<ExplanationMethod> methods, Tensor normalised, string? optionLayer)
    {
        var explanationLayer = (model as IExplainableModel)?.ExplanationLayer;
        var layers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var method in methods)
        {
            var cam = method switch { CamMethod c => c, GuidedGradCam g => g.GradCam, _ => null };
            if (cam?.Layer is { } layer) layers.TryAdd(layer, method.Name);
        }
        if (layers.Count == 0) return;
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var hooks = new List<IDisposable>();
        try
        {
            foreach (var layer in layers.Keys)
            {
                var module = model.get_submodule(layer);
                hooks.Add(module.register_forward_hook((_, _, output) =>
                {
                    shapes[layer] = output.shape;
                    return null;
                }));
            }
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            model.call(normalised.narrow(0, 0, 1));
        }
        finally
        {
            foreach (var hook in hooks) hook.Dispose();
        }
        foreach (var (layer, method) in layers)
        {
            if (shapes.TryGetValue(layer, out var shape) && shape.Length == 4) continue;
            var given = optionLayer == layer ? $"--layer {layer}" : $"{method}: layer '{layer}'";
            var seen = shape is null ? "is not run by the model's forward" : $"gives [{string.Join(", ", shape)}]";
            throw new ArgumentException($"{given} {seen}, not feature maps [N, C, h, w]: CAM-family methods need a convolutional layer" +
                (explanationLayer is null ? "" : $", such as the model's explanation layer {explanationLayer}"));
        }
    }

    /// <summary>The images as displayed ([N, C, H, W] in [0, 1]) and as the model sees them, with labels for dataset images.</summary>
    private static (Tensor display, Tensor normalised, int[]? labels, string[] names) LoadInputs(ExplainRequest r, DatasetFacts data, ImageDataset? dataset)
    {
        if (dataset is not null)
        {
            var chosen = ParseIndices(r.Indices!, dataset.Count);
            using var probes = ProbeSet.FromIndices(dataset, chosen);
            // The probe set's tensors are its own; the explanation keeps copies in the caller's scope.
            return (probes.Display.alias(), probes.Images.alias(), probes.Labels.ToArray(), chosen.Select(i => $"#{i}").ToArray());
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
