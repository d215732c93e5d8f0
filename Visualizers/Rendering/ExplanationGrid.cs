using System.Globalization;
using CnnVis.Torch;

namespace CnnVis.Visualizers.Rendering;

/// <summary>
/// The grid a user looks at: one row per image, the image first and then each method's map over it, every row
/// labelled with what the model made of the image ("Ankle boot → Sneaker 0.83": true class → predicted class and
/// its probability) and framed green or red when the true class is known.
/// </summary>
public static class ExplanationGrid
{
    /// <summary>
    /// Builds the grid for <paramref name="set"/>'s maps of <paramref name="images"/> ([N, C, H, W] in [0, 1], as
    /// displayed). <paramref name="classNames"/> names the classes (indices otherwise); with
    /// <paramref name="trueLabels"/> each row says whether the prediction was right. <paramref name="methods"/>
    /// picks and orders the columns (all of the set's maps by default).
    /// </summary>
    public static ImageGrid Build(Tensor images, ExplanationSet set, IReadOnlyList<string>? classNames = null, IReadOnlyList<int>? trueLabels = null,
        IReadOnlyList<string>? methods = null, Colormap? colormap = null, double alpha = 0.5, int cellSize = 96, float textSize = 14)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(set);
        var names = methods ?? set.Names;
        var count = images.Dimensions == 4 ? images.size(0) : throw new ArgumentException($"images must be [N, C, H, W], got shape [{string.Join(", ", images.shape)}]", nameof(images));
        if (set.Logits.size(0) != count) throw new ArgumentException($"{count} images were given for a set that explains {set.Logits.size(0)}", nameof(images));
        if (trueLabels is not null && trueLabels.Count != count) throw new ArgumentException($"{trueLabels.Count} true labels were given for {count} images", nameof(trueLabels));

        using var scope = torch.NewDisposeScope();
        var probabilities = torch.softmax(set.Logits.to(ScalarType.Float32), 1);
        var (best, predicted) = probabilities.max(1);
        var bestValues = best.data<float>();
        var predictedValues = predicted.data<long>();
        var explained = set.Classes.data<long>();
        var pictures = names.Select(n => ExplanationPictures.Of(images, set[n], colormap, alpha)).ToArray();
        var inputs = Pixels.FromUnitRange(images);

        var grid = new ImageGrid(names.Prepend("input").ToArray(), cellSize, textSize);
        for (var i = 0; i < count; i++)
        {
            var label = $"{NameOf((int)predictedValues[i], classNames)} {bestValues[i].ToString("0.00", CultureInfo.InvariantCulture)}";
            bool? correct = null;
            if (trueLabels is not null)
            {
                label = $"{NameOf(trueLabels[i], classNames)} → {label}";
                correct = trueLabels[i] == predictedValues[i];
            }
            // Say so when the maps explain another class than the predicted one (a fixed target, say).
            if (explained[i] != predictedValues[i]) label += $", shows {NameOf((int)explained[i], classNames)}";
            var cells = pictures.Select(p => p.select(0, i)).Prepend(inputs.select(0, i)).ToArray();
            grid.AddRow(label, cells, correct);
        }
        return grid;
    }

    private static string NameOf(int index, IReadOnlyList<string>? classNames) =>
        classNames is not null && index >= 0 && index < classNames.Count ? classNames[index] : index.ToString(CultureInfo.InvariantCulture);
}
