using CnnVis.Training.Data;

namespace CnnVis.Training.Tests.Data;

/// <summary>Both Fashion-MNIST splits, read once for all the tests that use them.</summary>
public sealed class FashionMnistFixture
{
    public FashionMnist Train { get; } = new(train: true);

    public FashionMnist Test { get; } = new(train: false);
}
