using CnnVis.Torch;
using CnnVis.Training.Data;

namespace CnnVis.Visualizers.Tests;

/// <summary>The sample photos python3-skimage installs (build.sh installs it), read and resized for the tests.</summary>
internal static class TestPhotos
{
    /// <summary>The photo <paramref name="name"/> as pixels in [0, 1], [1, 3, height, width] (bilinear resize).</summary>
    public static Tensor Load(string name, long height, long width)
    {
        using var scope = torch.NewDisposeScope();
        var decoded = torchvision.io.read_image(SamplePhotos.Find(name), 3);
        var chw = decoded.permute(2, 0, 1).unsqueeze(0).to(ScalarType.Float32) / 255.0;
        return scope.MoveToOuter(torch.nn.functional.interpolate(chw, new[] { height, width }).clamp(0, 1));
    }
}
