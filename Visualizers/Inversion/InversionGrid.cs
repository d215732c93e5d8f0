using CnnVis.Torch;
using CnnVis.Visualizers.Rendering;

namespace CnnVis.Visualizers.Inversion;

/// <summary>
/// Reconstructions from shallow to deep layers side by side: one row per photo, the photo first, then one column per
/// inverted layer in the order given, each labelled with its layer.
/// </summary>
public static class InversionGrid
{
    /// <param name="photos">[N, C, H, W] pixels in [0, 1], as displayed.</param>
    /// <param name="results">One inversion per layer, each of the same N photos.</param>
    /// <param name="rowLabels">One label per photo, e.g. its file name.</param>
    public static ImageGrid Build(Tensor photos, IReadOnlyList<InversionResult> results, IReadOnlyList<string> rowLabels, int cellSize = 128)
    {
        ArgumentNullException.ThrowIfNull(photos);
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(rowLabels);
        if (photos.Dimensions != 4) throw new ArgumentException($"photos must be [N, C, H, W], got shape [{string.Join(", ", photos.shape)}]", nameof(photos));
        if (results.Count == 0) throw new ArgumentException("give at least one inversion to show", nameof(results));
        var count = photos.size(0);
        if (rowLabels.Count != count) throw new ArgumentException($"{count} photos but {rowLabels.Count} row labels", nameof(rowLabels));
        var misfit = results.FirstOrDefault(r => !r.Images.shape.SequenceEqual(photos.shape));
        if (misfit is not null)
            throw new ArgumentException($"the inversion of {misfit.Layer} has shape [{string.Join(", ", misfit.Images.shape)}] but the photos are [{string.Join(", ", photos.shape)}]", nameof(results));

        var grid = new ImageGrid(["photo", .. results.Select(r => r.Layer)], cellSize);
        using var scope = torch.NewDisposeScope();
        var photoPixels = Pixels.FromUnitRange(photos);
        var reconstructions = results.Select(r => Pixels.FromUnitRange(r.ToUnitRange())).ToList();
        for (var i = 0; i < count; i++)
        {
            var cells = new List<Tensor> { photoPixels.select(0, i) };
            cells.AddRange(reconstructions.Select(r => r.select(0, i)));
            grid.AddRow(rowLabels[i], cells);
        }
        return grid;
    }
}
