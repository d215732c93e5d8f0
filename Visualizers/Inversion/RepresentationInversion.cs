using CnnVis.Torch;
using CnnVis.Visualizers.Features;
using CnnVis.Visualizers.Pass;

namespace CnnVis.Visualizers.Inversion;

/// <summary>
/// Inverted image representations (Mahendran and Vedaldi, 2015): the image a layer cannot tell from the photo.
/// Starting from seeded noise, torch.optim.Adam lowers the representation distance plus the regularisers of
/// <see cref="InversionSettings"/>, the image clipped to the model's input range after each step. One forward and one
/// backward per step for all the photos at once. Training-safe like the explanation pass: eval mode, modes restored,
/// hooks removed, parameters' gradients untouched, the global random state left alone.
/// </summary>
public sealed class RepresentationInversion
{
    public RepresentationInversion(InversionSettings? settings = null)
    {
        Settings = settings ?? new InversionSettings();
        Settings.Validate();
    }

    public InversionSettings Settings { get; }

    /// <summary>
    /// Reconstructs <paramref name="photos"/> [N, C, H, W] (in the model's input units, within <paramref name="range"/>)
    /// from the output of <paramref name="layer"/> (a dotted path). Throws naming the layer when the model has none such.
    /// </summary>
    public InversionResult Run(Module model, Tensor photos, string layer, InputRange range)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(layer);
        ArgumentNullException.ThrowIfNull(range);
        ModelProbe.CheckImages(photos, nameof(photos));
        if (range.Channels != photos.size(1))
            throw new ArgumentException($"the input range has {range.Channels} channels but the photos have {photos.size(1)}", nameof(range));
        model.get_submodule(layer);

        var history = new List<double[]>();
        using var probe = new ModelProbe(model);
        using var scope = torch.NewDisposeScope();
        var (lower, upper) = range.Bounds(photos);
        var centre = (lower + upper) / 2;
        var halfWidth = (upper - lower) / 2;
        var target = probe.Output(photos.to(ScalarType.Float32), layer);
        var dims = Enumerable.Range(1, (int)target.Dimensions - 1).Select(d => (long)d).ToArray();
        var targetEnergy = target.pow(2).sum(dims) + 1e-12;

        var noise = new NormalNoise(Settings.Seed).Next(photos.shape);
        using var image = new Parameter(torch.minimum(torch.maximum(centre + (noise * (upper - lower) * Settings.InitialNoise), lower), upper));
        using var optimizer = torch.optim.Adam(new[] { image }, lr: Settings.LearningRate);

        double[] distances = [];
        Tensor Loss(Tensor x, Tensor output)
        {
            var distance = (output - target).pow(2).sum(dims) / targetEnergy;
            distances = Values(distance);
            var unit = (x - centre) / halfWidth;
            var norm = unit.abs().pow(Settings.Alpha).mean(new[] { 1L, 2L, 3L });
            var dy = unit.narrow(2, 1, unit.size(2) - 1).narrow(3, 0, unit.size(3) - 1) - unit.narrow(2, 0, unit.size(2) - 1).narrow(3, 0, unit.size(3) - 1);
            var dx = unit.narrow(3, 1, unit.size(3) - 1).narrow(2, 0, unit.size(2) - 1) - unit.narrow(3, 0, unit.size(3) - 1).narrow(2, 0, unit.size(2) - 1);
            // A small floor keeps the gradient of a power below 2 finite where neighbours are equal.
            var variation = (dy.pow(2) + dx.pow(2) + 1e-8).pow(Settings.Beta / 2).mean(new[] { 1L, 2L, 3L });
            return distance + (Settings.NormWeight * norm) + (Settings.TvWeight * variation);
        }

        for (var step = 0; step < Settings.Steps; step++)
        {
            using var stepScope = torch.NewDisposeScope();
            var (_, gradient) = probe.Gradient(image, layer, Loss, ReluRule.Standard);
            history.Add(distances);
            image.grad = gradient;
            optimizer.step();
            using var noGrad = torch.no_grad();
            image.copy_(torch.minimum(torch.maximum(image, lower), upper));
        }
        image.grad = null;
        var reconstruction = image.detach().clone();
        var final = probe.Output(reconstruction, layer);
        var finalDistance = Values((final - target).pow(2).sum(dims) / targetEnergy);
        return new InversionResult(layer, range, scope.MoveToOuter(reconstruction), history, finalDistance);
    }

    private static double[] Values(Tensor values)
    {
        using var detached = values.detach();
        using var asDouble = detached.to(ScalarType.Float64);
        return asDouble.data<double>();
    }
}
