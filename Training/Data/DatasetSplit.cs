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

        var train = new List<int>(ds.Count);
        var validation = new List<int>();
        for (var c = 0; c < byClass.Length; c++)
        {
            var members = byClass[c].ToArray();
            var random = SeededRandom.For(seed, 0x53504C4954, c);
            random.Shuffle(members);
            var held = (int)Math.Round(members.Length * validationFraction, MidpointRounding.AwayFromZero);
            validation.AddRange(members.AsSpan(0, held));
            train.AddRange(members.AsSpan(held));
        }
        if (train.Count == 0 || validation.Count == 0)
            throw new ArgumentException($"splitting {ds.Name} ({ds.Count} images) at a validation fraction of {validationFraction} leaves {train.Count} for training and {validation.Count} for validation");
        train.Sort();
        validation.Sort();
        return (new Subset(ds, train), new Subset(ds.ForEvaluation(), validation));
    }
}
