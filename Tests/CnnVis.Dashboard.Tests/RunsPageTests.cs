using Bunit;
using CnnVis.Dashboard.Components.Pages;
using CnnVis.Dashboard.Data;
using CnnVis.Monitor.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace CnnVis.Dashboard.Tests;

/// <summary>
/// The runs page rendered by bUnit over a real store (no browser): deleting a run asks first, keeping it changes
/// nothing, confirming removes it from the store, and a run still training cannot be deleted.
/// </summary>
public sealed class RunsPageTests : IDisposable
{
    private readonly SampleStore _store = new(probes: 2, snapshots: 2, epochs: 1, validation: 6);
    private readonly BunitContext _context = new();
    private readonly RunRepository _repository;

    public RunsPageTests()
    {
        _repository = new RunRepository(_store.Path);
        _context.Services.AddSingleton(_repository);
        // Never started: these tests do not wait for live updates.
        _context.Services.AddSingleton(new StoreWatcher(_repository, TimeSpan.FromHours(1), NullLogger<StoreWatcher>.Instance));
    }

    public void Dispose()
    {
        _context.Dispose();
        _repository.Dispose();
        _store.Dispose();
    }

    [Fact]
    public void DeleteAsksFirstAndKeepingTheRunChangesNothing()
    {
        var page = _context.Render<Runs>();
        Assert.Empty(page.FindAll("#confirm-delete"));
        page.Find($"button.delete[data-run='{_store.RunId}']").Click();
        Assert.Contains("Delete run shapes-fashionnet", page.Find("#confirm-delete").TextContent);
        page.Find("#confirm-delete-no").Click();
        Assert.Empty(page.FindAll("#confirm-delete"));
        Assert.Single(_repository.Runs());
        Assert.Single(page.FindAll("table.runs tbody tr"));
    }

    [Fact]
    public void ConfirmingDeletesTheRunFromTheStore()
    {
        var other = _store.AddRun("second");
        var page = _context.Render<Runs>();
        Assert.Equal(2, page.FindAll("table.runs tbody tr").Count);
        page.Find($"button.delete[data-run='{other}']").Click();
        page.Find("#confirm-delete-yes").Click();
        Assert.Equal($"Deleted run second (#{other}) and 0 checkpoint folder(s).", page.Find("#notice").TextContent);
        Assert.Equal([_store.RunId], _repository.Runs().Select(r => r.Id));
        Assert.Single(page.FindAll("table.runs tbody tr"));
    }

    [Fact]
    public void ARunStillTrainingCannotBeDeleted()
    {
        long training;
        using (var writer = RunWriter.Open(_store.Path))
            training = writer.CreateRun(new RunDescription("still-training", "synthetic-shapes", "fashionnet", "{}", SampleStore.ClassNames, 3));
        var page = _context.Render<Runs>();
        Assert.True(page.Find($"button.delete[data-run='{training}']").HasAttribute("disabled"));
        var e = Assert.Throws<RunStoreException>(() => _repository.DeleteRun(training));
        Assert.Equal($"{_repository.StorePath}: run {training} is still training; stop it before deleting it", e.Message);
        Assert.Equal(2, _repository.Runs().Count);
    }
}
