namespace CnnVis.Training.Data;

/// <summary>
/// Random changes made to training images as they are batched, as torchvision's RandomCrop(padding)
/// followed by RandomHorizontalFlip: the image is padded with black on every side and a window of its
/// own size is cut at a random offset, then mirrored with probability one half. Masks follow their images.
/// </summary>
public sealed record Augmentation(int RandomCropPadding = 0, bool HorizontalFlip = false)
{
    public static readonly Augmentation None = new();

    /// <summary>Whether this changes nothing.</summary>
    public bool IsNone => RandomCropPadding == 0 && !HorizontalFlip;
}
