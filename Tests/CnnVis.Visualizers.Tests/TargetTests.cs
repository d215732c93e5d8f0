using CnnVis.Torch;
using CnnVis.Visualizers.Targets;

namespace CnnVis.Visualizers.Tests;

public class TargetTests
{
    private static Tensor Logits() => torch.tensor(new float[] { 0, 5, 1, 9, 2, 3 }, new long[] { 2, 3 });

    [Fact]
    public void ClassTargetGivesItsClassForEveryImage()
    {
        using var logits = Logits();
        using var classes = new ClassTarget(2).ClassesFor(logits);
        Assert.Equal(new long[] { 2, 2 }, classes.data<long>());
    }

    [Fact]
    public void PredictedClassIsTheLargestLogit()
    {
        using var logits = Logits();
        using var classes = PredictedClass.Instance.ClassesFor(logits);
        Assert.Equal(new long[] { 1, 0 }, classes.data<long>());
    }

    [Fact]
    public void TrueLabelGivesEachImageItsOwnClass()
    {
        using var logits = Logits();
        using var classes = new TrueLabel(2, 1).ClassesFor(logits);
        Assert.Equal(new long[] { 2, 1 }, classes.data<long>());
        using var labels = torch.tensor(new long[] { 0, 2 });
        using var fromTensor = TrueLabel.From(labels).ClassesFor(logits);
        Assert.Equal(new long[] { 0, 2 }, fromTensor.data<long>());
        Assert.Equal(new TrueLabel(0, 2), TrueLabel.From(labels));
    }

    [Fact]
    public void TargetsOutOfRangeAreRefusedNamingTheClass()
    {
        using var logits = Logits();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ClassTarget(3).ClassesFor(logits));
        Assert.Contains("target class 3 is out of range", e.Message);
        Assert.Contains("3 classes", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClassTarget(-1));
        var label = Assert.Throws<ArgumentOutOfRangeException>(() => new TrueLabel(0, 7).ClassesFor(logits));
        Assert.Contains("image 1", label.Message);
        var count = Assert.Throws<ArgumentException>(() => new TrueLabel(0).ClassesFor(logits));
        Assert.Contains("1 true labels were given for a batch of 2 images", count.Message);
    }

    [Fact]
    public void TargetsAreValues()
    {
        Assert.Equal(new ClassTarget(4), new ClassTarget(4));
        Assert.NotEqual(new ClassTarget(4), new ClassTarget(5));
        Assert.Equal(PredictedClass.Instance, new PredictedClass());
    }
}
