using System.Net;
using Microsoft.Data.Sqlite;

namespace CnnVis.Dashboard.Tests;

/// <summary>A missing store, an unknown run, a store from a newer CnnVis: a page that says so, never a stack trace.</summary>
public sealed class ErrorPageTests : IDisposable
{
    private readonly SampleStore _store = new(probes: 2, snapshots: 1, epochs: 1, validation: 6);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public void Dispose()
    {
        _http.Dispose();
        _store.Dispose();
    }

    [Fact]
    public async Task AMissingStoreIsNamedOnEveryPage()
    {
        var missing = Path.Combine(Path.GetDirectoryName(_store.Path)!, "nothing-here.db");
        await using var host = await DashboardHost.StartAsync(missing);
        foreach (var path in new[] { "/", "/runs/1", "/runs/1/timeline", "/runs/1/cube", "/runs/1/layers" })
        {
            var page = await PageAsync(host, path, HttpStatusCode.OK);
            Assert.Contains($"{missing}: no run store there", page);
        }
        using var data = await _http.GetAsync(host.Address + "/api/runs/1/cube");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, data.StatusCode);
    }

    [Fact]
    public async Task AnUnknownRunIsNamed()
    {
        await using var host = await DashboardHost.StartAsync(_store.Path);
        foreach (var path in new[] { "/runs/999", "/runs/999/timeline", "/runs/999/cube", "/runs/999/layers" })
            Assert.Contains($"{_store.Path}: no run 999 in this store", await PageAsync(host, path, HttpStatusCode.OK));
        using var data = await _http.GetAsync(host.Address + "/api/runs/999/timeline?method=gradcam&target=true");
        Assert.Equal(HttpStatusCode.NotFound, data.StatusCode);
        Assert.Contains("no run 999 in this store", await data.Content.ReadAsStringAsync());
        using var kind = await _http.GetAsync($"{host.Address}/api/runs/{_store.RunId}/timeline?method=lime&target=true");
        Assert.Equal(HttpStatusCode.NotFound, kind.StatusCode);
        Assert.Contains($"run {_store.RunId} has no lime maps for target 'true'", await kind.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AStoreFromANewerCnnVisIsRefusedByName()
    {
        using (var connection = new SqliteConnection($"Data Source={_store.Path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 99";
            command.ExecuteNonQuery();
        }
        await using var host = await DashboardHost.StartAsync(_store.Path);
        Assert.Contains("was written by a newer CnnVis: its store schema is version 99", await PageAsync(host, "/", HttpStatusCode.OK));
        Assert.Contains("was written by a newer CnnVis", await PageAsync(host, $"/runs/{_store.RunId}/timeline", HttpStatusCode.OK));
    }

    [Fact]
    public async Task AnUnknownAddressIsANotFoundPage()
    {
        await using var host = await DashboardHost.StartAsync(_store.Path);
        Assert.Contains("No such page", await PageAsync(host, "/no/such/page", HttpStatusCode.NotFound));
        await PageAsync(host, "/runs/not-a-number", HttpStatusCode.NotFound);
    }

    private async Task<string> PageAsync(DashboardHost host, string path, HttpStatusCode expected)
    {
        using var response = await _http.GetAsync(host.Address + path);
        var body = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        Assert.True(response.StatusCode == expected, $"{path} answered {response.StatusCode}: {body}");
        Assert.DoesNotContain("Exception", body);
        Assert.DoesNotContain("   at ", body);
        return body;
    }
}
