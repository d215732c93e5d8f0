using CnnVis.Torch;
using CnnVis.Training.Models;

namespace CnnVis.Training.Tests.Models;

public class ImageNetResNet18Tests
{
    [Fact]
    public void WithTorchvisionsBlockCountsTheArchitectureIsTorchvisionsResnet18()
    {
        using var model = ImageNetResNet18.Untrained(1000, [2, 2, 2, 2]);
        // torchvision.models.resnet18() has 11,689,512 parameters; its state dict's keys are these, with "fc" for the head.
        Assert.Equal(11_689_512L, model.parameters().Sum(p => p.numel()));
        var keys = model.state_dict().Keys.ToList();
        Assert.Contains("conv1.weight", keys);
        Assert.Contains("bn1.running_var", keys);
        Assert.Contains("layer2.0.downsample.0.weight", keys);
        Assert.Contains("layer4.1.bn2.num_batches_tracked", keys);
        Assert.Contains("classifier.weight", keys);
        Assert.DoesNotContain(keys, k => k.StartsWith("preprocess."));
        Assert.All(model.parameters(), p => Assert.True(p.requires_grad));
    }

    [Fact]
    public void UntrainedTakesFourStagesOfAtLeastOneBlock()
    {
        var e = Assert.Throws<ArgumentException>(() => ImageNetResNet18.Untrained(10, [2, 2, 2]));
        Assert.Equal("a ResNet has 4 stages of at least one block, got [2, 2, 2] (Parameter 'blocksPerStage')", e.Message);
    }
}
