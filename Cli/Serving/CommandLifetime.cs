using Microsoft.Extensions.Hosting;

namespace CnnVis.Cli.Serving;

/// <summary>
/// A host lifetime that leaves Ctrl+C to the cnnvis command: the command's own signal handler stops training first
/// and a second Ctrl+C still quits at once (the default console lifetime would swallow both).
/// </summary>
internal sealed class CommandLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
