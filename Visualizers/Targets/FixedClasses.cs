using CnnVis.Torch;

namespace CnnVis.Visualizers.Targets;

/// <summary>
/// Classes already resolved on the clean images, handed to the inner passes of sampling methods (SmoothGrad,
/// integrated gradients): a noisy or interpolated copy must be explained for its original image's class, not
/// for whatever the model predicts on the copy.
/// </summary>
internal sealed record FixedClasses(Tensor Classes) : ExplanationTarget
{
    public override Tensor ClassesFor(Tensor logits)
    {
        var (images, _) = ShapeOf(logits);
        if (Classes.numel() != images)
            throw new ArgumentException($"{Classes.numel()} classes were given for a batch of {images} images");
        return Classes.alias();
    }
}
