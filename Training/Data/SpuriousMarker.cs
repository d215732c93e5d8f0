namespace CnnVis.Training.Data;

/// <summary>
/// A shortcut planted in the training images of <see cref="SyntheticShapes"/>: a small square of a
/// class's colour in a class's corner. With probability <see cref="Correlation"/> it names the image's
/// own class, otherwise another class chosen at random. Validation and test images never carry it,
/// so a network that learns the marker instead of the shape shows it there.
/// </summary>
public sealed record SpuriousMarker(double Correlation = 0.9)
{
    /// <summary>Throws unless <see cref="Correlation"/> is a probability.</summary>
    public void Validate()
    {
        if (!(Correlation >= 0 && Correlation <= 1))
            throw new ArgumentOutOfRangeException(nameof(Correlation), $"the marker's correlation with the label must be a probability in [0, 1], got {Correlation}");
    }
}
