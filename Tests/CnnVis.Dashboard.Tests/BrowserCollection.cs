namespace CnnVis.Dashboard.Tests;

/// <summary>The tests that share <see cref="Browser"/>.</summary>
[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<Browser>
{
    public const string Name = "browser";
}
