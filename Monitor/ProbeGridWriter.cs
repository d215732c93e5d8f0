using System.Globalization;
using CnnVis.Torch;
using CnnVis.Training.Loop;
using CnnVis.Visualizers;
using CnnVis.Visualizers.Features;
using CnnVis.Visualizers.Rendering;
using CnnVis.Visualizers.Targets;

namespace CnnVis.Monitor;

/// <summary>
/// After every epoch, explains a fixed probe set with a few methods and writes a labelled grid (probes × methods)
/// and the first-layer filters as PNGs: the simplest way to watch explanations change while a model trains.
/// </summary>
public sealed class ProbeGridWriter : TrainingCallback
{
    public static readonly string[] DefaultMethods = ["cam", "gradcam", "saliency", "guided-backprop"];

    private readonly string _directory;
    private readonly int _probeCount;
    private readonly IReadOnlyList<string> _methods;
    private readonly List<string> _written = new();
    private ProbeSet? _probes;

    public ProbeGridWriter(string directory, int probeCount = 16, IReadOnlyList<string>? methods = null)
    {
        _directory = directory;
        _probeCount = probeCount;
        _methods = methods ?? DefaultMethods;
        foreach (var m in _methods) ExplanationMethods.Describe(m);
    }

    public override string Name => "probe grid writer";

    /// <summary>Every PNG written so far, in order.</summary>
    public IReadOnlyList<string> Written => _written;

    /// <summary>Called with each PNG's path as it is written (the CLI prints it).</summary>
    public event Action<string>? PictureWritten;

    public override void OnTrainBegin(TrainingContext context)
    {
        Directory.CreateDirectory(_directory);
        _probes?.Dispose();
        _probes = ProbeSet.Select(context.ValidationData, _probeCount);
    }

    public override void OnEpochEnd(TrainingContext context, EpochSummary summary)
    {
        if (_probes is null) return;
        var epoch = summary.Epoch.ToString("D4", CultureInfo.InvariantCulture);
        var pass = new ExplanationPass(ExplanationMethods.CreateMany(_methods));
        using (var set = pass.Run(context.Model, _probes.Images, PredictedClass.Instance))
        {
            var grid = ExplanationGrid.Build(_probes.Display, set, context.ClassNames, _probes.Labels, cellSize: 84);
            Save(Path.Combine(_directory, $"epoch-{epoch}-explanations.png"), grid.Save);
        }
        using var filters = FirstLayerFilters.Render(context.Model);
        Save(Path.Combine(_directory, $"epoch-{epoch}-filters.png"), path => PngFile.Write(path, filters));
    }

    public override void OnTrainEnd(TrainingContext context, TrainingOutcome outcome)
    {
        _probes?.Dispose();
        _probes = null;
    }

    private void Save(string path, Action<string> write)
    {
        write(path);
        _written.Add(path);
        PictureWritten?.Invoke(path);
    }
}
