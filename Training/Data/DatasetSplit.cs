namespace CnnVis.Training.Data;

/// <summary>Splits a dataset into training and validation parts.</summary>
public static class DatasetSplit
{
    /// <summary>
    /// Holds out <paramref name="validationFraction"/> of every class (stratified, so a small
    /// validation set still has each class in proportion), chosen by <paramref name="seed"/> alone.
    /// The validation part is seen as for evaluation (<see cref="ImageDataset.ForEvaluation"/>):
    /// a spurious marker planted for training does not appear in it.
    /// </summary>
    public static (ImageDataset train, ImageDataset validation) Split(ImageDataset ds, double validationFraction, long seed)
    {
        ArgumentNullException.ThrowIfNull(ds);
        if (!(validationFraction > 0 && validationFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(validationFraction), $"the validation fraction must lie strictly between 0 and 1, got {validationFraction}");

        var byClass = new List<int>[ds.ClassNames.Count];
        for (var c = 0; c < byClass.Length; c++) byClass[c] = new List<int>();
        for (var i = 0; i < ds.Count; i++)
        {
            var label = ds.Label(i);
            if ((uint)label >= (uint)byClass.Length)
                throw new InvalidDataException($"{ds.Name}: image {i} has label {label}, outside its {byClass.Length} classes");
            byClass[label].Add(i);
        }

        // Each class gives its share rounded down; the images still owed to reach round(fraction × count)
        // come one each from the classes whose shares were rounded down most (largest remainders).
        var exact = byClass.Select(members => members.Count * validationFraction).ToArray();
        var held = exact.Select(x => (int)Math.Floor(x)).ToArray();
        var owed = (int)Math.Round(ds.Count * validationFraction, MidpointRounding.AwayFromZero) - held.Sum();
        foreach (var c in Enumerable.Range(0, byClass.Length).OrderByDescending(c => exact[c] - held[c]).ThenBy(c => c).Take(Math.Max(owed, 0)))
            held[c]++;

        var train = new List<int>(ds.Count);
        var validation = new List<int>();
        for (var c = 0; c < byClass.Length; c++)
        {
            var members = byClass[c].ToArray();
            var random = SeededRandom.For(seed, 0x53504C4954, c);
            random.Shuffle(members);
            validation.AddRange(members.AsSpan(0, held[c]));
            train.AddRange(members.AsSpan(held[c]));
        }
        if (train.Count == 0 || validation.Count == 0)
            throw new ArgumentException($"splitting {ds.Name} ({ds.Count} images) at a validation fraction of {validationFraction} leaves {train.Count} for training and {validation.Count} for validation");
        train.Sort();
        validation.Sort();
        return (new Subset(ds, train), new Subset(ds.ForEvaluation(), validation));
    }
}
