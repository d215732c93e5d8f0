using System.Globalization;
using CnnVis.Dashboard.Analysis;
using CnnVis.Dashboard.Components.Shared;
using CnnVis.Dashboard.Computation;
using CnnVis.Monitor.Store;
using CnnVis.Training.Models;
using CnnVis.Visualizers;
using CnnVis.Visualizers.Rendering;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;

namespace CnnVis.Dashboard.Components.Pages;

/// <summary>
/// Post-hoc analysis: a stored checkpoint (or an uploaded state_dict), an image (a probe, a validation image, an
/// uploaded picture), methods and a target; the maps are computed by the <see cref="ComputationQueue"/>, with
/// progress, and shown side by side, one row per checkpoint. Leaving the page cancels the computation.
/// </summary>
public partial class PostHoc : RunPageBase
{
    private const string UploadedValue = "upload";
    private static readonly string[] s_defaultMethods = ["gradcam", "guided-backprop", "saliency"];

    private PageComputation? _computation;
    private bool _choseDefaults;

    [Inject]
    private ComputationQueue Queue { get; set; } = default!;

    [Inject]
    private PostHocAnalysis Analysis { get; set; } = default!;

    [Inject]
    private UploadLimit Limit { get; set; } = default!;

    [Inject]
    private ILogger<PostHoc> Logger { get; set; } = default!;

    /// <summary>The image to open, from a link: validation:INDEX or probe:INDEX.</summary>
    [SupplyParameterFromQuery(Name = "image")]
    public string? ImageQuery { get; set; }

    /// <summary>The epoch whose checkpoint to open, from a link.</summary>
    [SupplyParameterFromQuery(Name = "epoch")]
    public int? EpochQuery { get; set; }

    private IReadOnlyList<CheckpointRecord> Checkpoints { get; set; } = [];

    private IReadOnlyList<ProbeRecord> Probes { get; set; } = [];

    private static IReadOnlyList<string> ZooModels => ModelZoo.Names;

    private static IEnumerable<string> Colormaps => Colormap.All.Select(c => c.Name);

    private string ModelA { get; set; } = "";

    private string ModelB { get; set; } = "";

    private string ZooModel { get; set; } = "";

    private ImageSource Source { get; set; } = ImageSource.Probe;

    private int ProbeIndex { get; set; }

    private int ValidationIndex { get; set; }

    private HashSet<string> Methods { get; } = new(s_defaultMethods, StringComparer.Ordinal);

    private string ExtraSpec { get; set; } = "";

    private string Target { get; set; } = "predicted";

    private string ColormapName { get; set; } = "jet";

    private UploadedImage? UploadedImage { get; set; }

    private UploadedModel? UploadedModel { get; set; }

    private PageComputation Computation => _computation ??= new PageComputation(Queue, InvokeAsync, StateHasChanged);

    private bool Running => _computation?.Running ?? false;

    /// <summary>Whether the circuit is up (the prerendered page's controls do nothing until then).</summary>
    private bool Interactive { get; set; }

    private ComputationProgress Progress => Computation.Progress;

    private HashSet<string> Views { get; } = new(StringComparer.Ordinal);

    /// <summary>The layer the class-agnostic views look at (not the filters: always the first convolution).</summary>
    private string ViewLayer { get; set; } = "";

    private int? ViewChannel { get; set; } = 0;

    private int ViewSteps { get; set; } = 100;

    private PostHocResult? Result { get; set; }

    /// <summary>What went wrong or was refused, in words for the page.</summary>
    private string? Message { get; set; }

    private string LimitText => string.Create(CultureInfo.InvariantCulture, $"{Limit.Bytes / 1048576.0:0.#} MB");

    protected override void Load()
    {
        Checkpoints = Store.Checkpoints(RunId);
        Probes = Store.Probes(RunId);
        if (_choseDefaults) return;
        _choseDefaults = true;
        ZooModel = ModelZoo.Names.FirstOrDefault(n => n.Equals(Run?.Model, StringComparison.OrdinalIgnoreCase)) ?? ModelZoo.Names[0];
        ViewLayer = DefaultViewLayer(Run);
        // A link from the validation cube names an epoch: its end-of-epoch checkpoint, else the last one before it.
        var pick = Checkpoints.Count - 1;
        if (EpochQuery is { } epoch)
        {
            var exact = Checkpoints.Select((c, k) => (c, k)).Where(x => x.c.Epoch == epoch).OrderByDescending(x => x.c.EndOfEpoch).Select(x => x.k).DefaultIfEmpty(-1).First();
            var before = Checkpoints.Select((c, k) => (c, k)).Where(x => x.c.Epoch <= epoch).Select(x => x.k).DefaultIfEmpty(-1).Last();
            pick = exact >= 0 ? exact : before >= 0 ? before : pick;
        }
        ModelA = pick >= 0 ? Value(pick) : "";
        ProbeIndex = Probes.Count > 0 ? Probes[0].Probe : 0;
        var (source, index) = ParseImage(ImageQuery);
        if (source is { } s)
        {
            Source = s;
            if (s == ImageSource.Probe) ProbeIndex = index;
            else ValidationIndex = index;
        }
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        await base.OnAfterRenderAsync(firstRender);
        if (!firstRender) return;
        Interactive = true;
        StateHasChanged();
    }

    private static string Value(int checkpoint) => "c" + checkpoint.ToString(CultureInfo.InvariantCulture);

    private static (ImageSource? Source, int Index) ParseImage(string? text)
    {
        if (text is null) return (null, 0);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index)) return (null, 0);
        return text[..colon] switch
        {
            "validation" => (ImageSource.Validation, index),
            "probe" => (ImageSource.Probe, index),
            _ => (null, 0),
        };
    }

    private string ClassName(int label) => Run is { } run && label >= 0 && label < run.ClassNames.Count ? run.ClassNames[label] : $"class {label}";

    /// <summary>The choices of a model select: the stored checkpoints and the uploaded model, with "nothing" first when it is optional.</summary>
    private List<(string Value, string Text)> ModelOptions(bool none)
    {
        var options = new List<(string, string)>();
        if (none) options.Add(("", "nothing"));
        for (var k = 0; k < Checkpoints.Count; k++) options.Add((Value(k), Label(Checkpoints[k])));
        if (UploadedModel is not null) options.Add((UploadedValue, $"uploaded {UploadedModel.FileName}"));
        if (!none && Checkpoints.Count == 0 && UploadedModel is null) options.Add(("", "no checkpoint stored: upload a .pt"));
        return options;
    }

    private static string Label(CheckpointRecord c) =>
        c.EndOfEpoch ? $"epoch {c.Epoch} · step {c.Step}" : $"epoch {c.Epoch} · step {c.Step} (mid-epoch)";

    private void Toggle(string name, ChangeEventArgs e)
    {
        if (e.Value is true) Methods.Add(name);
        else Methods.Remove(name);
    }

    private void ToggleView(string kind, ChangeEventArgs e)
    {
        if (e.Value is true) Views.Add(kind);
        else Views.Remove(kind);
    }

    // The model's explanation layer, known without building the model where it is costly (the ImageNet ResNet-18 reads a 64 MB file).
    private static string DefaultViewLayer(RunSummary? run)
    {
        if (run is null) return "";
        if (run.Model.Equals(ImageNetResNet18.ZooName, StringComparison.OrdinalIgnoreCase)) return "layer4";
        try
        {
            return ActivationImages.DefaultLayer(run);
        }
        catch (ArgumentException)
        {
            // A model the zoo does not know: the layer is typed by hand.
            return "";
        }
    }

    private List<LayerView> ChosenViews() => LayerViews.Kinds.Where(Views.Contains)
        .Select(kind => new LayerView(kind, kind == LayerViews.Filters ? null : ViewLayer.Trim(),
            kind is LayerViews.GuidedBackprop or LayerViews.Maximize ? ViewChannel : null, ViewSteps))
        .ToList();

    private async Task UploadImageAsync(InputFileChangeEventArgs e)
    {
        UploadedImage = null;
        Message = null;
        try
        {
            var bytes = await Uploads.ReadAsync(e.File, Limit.Bytes);
            var channels = await Task.Run(() => Analysis.FactsOf(Run!).Channels);
            // Decoding is bounded (pixel limit) but still off the circuit's thread.
            UploadedImage = await Task.Run(() => Uploads.DecodeImage(e.File.Name, bytes, channels == 1 ? 1 : 3, Limit.Bytes));
        }
        catch (Exception x) when (x is UploadRefusedException or ArgumentException or IOException or RunStoreException or InvalidDataException)
        {
            Message = x.Message;
        }
    }

    private async Task UploadModelAsync(InputFileChangeEventArgs e)
    {
        UploadedModel = null;
        Message = null;
        try
        {
            var bytes = await Uploads.ReadAsync(e.File, Limit.Bytes);
            var run = Run!;
            var zoo = ZooModel;
            UploadedModel = await Task.Run(() => Uploads.CheckModel(e.File.Name, bytes, zoo, Analysis.FactsOf(run).Channels, run.ClassNames.Count, Limit.Bytes));
            if (Checkpoints.Count == 0 || ModelA.Length == 0) ModelA = UploadedValue;
            else if (ModelB.Length == 0) ModelB = UploadedValue;
        }
        catch (Exception x) when (x is UploadRefusedException or ArgumentException or IOException or RunStoreException or InvalidDataException)
        {
            Message = x.Message;
        }
    }

    private ModelChoice? Choice(string value)
    {
        if (value == UploadedValue) return UploadedModel is null ? null : new ModelChoice(null, UploadedModel);
        if (value.Length > 1 && int.TryParse(value.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var k) && k < Checkpoints.Count)
            return new ModelChoice(Checkpoints[k], null);
        return null;
    }

    private async Task ExplainAsync()
    {
        if (Run is null || Running) return;
        Message = null;
        var models = new[] { Choice(ModelA), Choice(ModelB) }.OfType<ModelChoice>().DistinctBy(m => m.Label).ToList();
        var methods = ExplanationMethods.Names.Where(Methods.Contains).ToList();
        var views = ChosenViews();
        try
        {
            if (ExtraSpec.Trim().Length > 0) methods.AddRange(MethodSpec.SplitList(ExtraSpec));
            foreach (var view in views) LayerViews.Check(view);
        }
        catch (ArgumentException e)
        {
            Message = e.Message;
            return;
        }
        if (models.Count == 0)
        {
            Message = Checkpoints.Count == 0 ? "This run stored no checkpoints: upload a state_dict (.pt) to explain with." : "Choose a checkpoint.";
            return;
        }
        if (Source == ImageSource.Upload && UploadedImage is null)
        {
            Message = "Upload a PNG or JPEG picture first.";
            return;
        }
        var index = Source == ImageSource.Probe ? ProbeIndex : ValidationIndex;
        if (methods.Count == 0 && views.Count == 0)
        {
            Message = "Choose at least one method or class-agnostic view.";
            return;
        }
        var request = new PostHocRequest(RunId, models, Source, index, Source == ImageSource.Upload ? UploadedImage : null, methods, Target, ColormapName) { Views = views };

        var store = Store;
        Result = null;
        var outcome = await Computation.RunAsync($"post-hoc maps of run {RunId}", context => Analysis.Explain(request, store, context));
        if (outcome.Succeeded)
        {
            Result = outcome.Value;
            return;
        }
        // Every failure reads as a message on the page, never a stack trace; the log keeps the details of unexpected ones.
        if (outcome.Failure is { } failure && failure is not (RunStoreException or ArgumentException or UploadRefusedException or InvalidDataException or IOException or KeyNotFoundException or Torch.TorchException))
            Logger.LogWarning(failure, "post-hoc analysis of run {Run} failed", RunId);
        Message = outcome.Message;
    }

    private void Cancel() => _computation?.Cancel();

    protected override void Dispose(bool disposing)
    {
        if (!disposing) return;
        _computation?.Dispose();
    }
}
