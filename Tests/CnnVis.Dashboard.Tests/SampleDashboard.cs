namespace CnnVis.Dashboard.Tests;

/// <summary>One sample store served once for a whole test class that only reads it (starting hosts is not free).</summary>
public sealed class SampleDashboard : IAsyncLifetime
{
    internal SampleStore Store { get; } = new(probes: 6, snapshots: 5, epochs: 3, validation: 45);

    internal DashboardHost Host { get; private set; } = default!;

    public async Task InitializeAsync() => Host = await DashboardHost.StartAsync(Store.Path);

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        Store.Dispose();
    }
}
