using CnnVis.Torch;
using CnnVis.Visualizers.Features;
using CnnVis.Visualizers.Rendering;

namespace CnnVis.Visualizers.Dreams;

/// <summary>
/// What deep dream made: the images in the model's input units, [N, C, H, W] at the photos' size, and each octave's
/// objective before and after its steps. The result owns the images: disposing it frees them.
/// </summary>
public sealed class DeepDreamResult : IDisposable
{
    internal DeepDreamResult(DeepDreamSettings settings, InputRange range, Tensor images, IReadOnlyList<DreamOctave> octaves)
    {
        Settings = settings;
        Range = range;
        Images = images;
        Octaves = octaves;
    }

    public DeepDreamSettings Settings { get; }

    /// <summary>The range the images were kept in, which also maps them back to pixels.</summary>
    public InputRange Range { get; }

    /// <summary>[N, C, H, W] in the model's input units, within <see cref="Range"/>.</summary>
    public Tensor Images { get; }

    /// <summary>The octaves, smallest first.</summary>
    public IReadOnlyList<DreamOctave> Octaves { get; }

    /// <summary>The images as pixels in [0, 1], [N, C, H, W]: a new tensor the caller owns.</summary>
    public Tensor ToUnitRange() => Range.ToUnit(Images);

    /// <summary>Image <paramref name="image"/> as a PNG file.</summary>
    public void Save(string path, int image = 0)
    {
        if (image < 0 || image >= Images.size(0)) throw new ArgumentOutOfRangeException(nameof(image), $"image {image} is out of range: the dream holds {Images.size(0)} images");
        using var scope = torch.NewDisposeScope();
        PngFile.Write(path, Pixels.FromUnitRange(ToUnitRange().select(0, image)));
    }

    public void Dispose() => Images.Dispose();
}
