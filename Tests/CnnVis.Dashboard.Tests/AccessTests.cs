using System.Net;
using CnnVis.Dashboard.Security;
using Microsoft.Extensions.DependencyInjection;

namespace CnnVis.Dashboard.Tests;

/// <summary>Loopback by default; anything else needs the access token, which every page, endpoint and circuit checks.</summary>
public sealed class AccessTests : IDisposable
{
    private readonly SampleStore _store = new(probes: 2, snapshots: 1, epochs: 1, validation: 6);

    public void Dispose() => _store.Dispose();

    [Fact]
    public async Task WithoutTheTokenEveryPathAnswers401()
    {
        await using var host = await DashboardHost.StartAsync(_store.Path, "--token", "s3cret-token");
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false }) { Timeout = TimeSpan.FromSeconds(10) };
        foreach (var path in new[] { "/", $"/runs/{_store.RunId}", $"/api/runs/{_store.RunId}/metrics", "/js/timeline.js", "/_framework/blazor.web.js", "/?token=wrong" })
        {
            using var response = await http.GetAsync(host.Address + path);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{path} answered {response.StatusCode}");
        }
        // The circuit's handshake is refused too.
        using var negotiate = await http.PostAsync(host.Address + "/_blazor/negotiate?negotiateVersion=1", null);
        Assert.Equal(HttpStatusCode.Unauthorized, negotiate.StatusCode);
    }

    [Fact]
    public async Task TheTokenInTheAddressSetsACookieThatOpensTheRest()
    {
        await using var host = await DashboardHost.StartAsync(_store.Path, "--token", "s3cret-token");
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false }) { Timeout = TimeSpan.FromSeconds(10) };
        using var first = await http.GetAsync(host.Address + "/?token=s3cret-token");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var cookie = Assert.Single(first.Headers.GetValues("Set-Cookie"), c => c.StartsWith(AccessTokenMiddleware.CookieName + "=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{host.Address}/api/runs/{_store.RunId}/metrics");
        request.Headers.Add("Cookie", cookie.Split(';')[0]);
        using var data = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, data.StatusCode);
        Assert.Contains("train.loss", await data.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task LoopbackWithoutATokenIsOpen()
    {
        await using var host = await DashboardHost.StartAsync(_store.Path);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var response = await http.GetAsync(host.Address + "/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public void ANonLoopbackAddressGetsAGeneratedToken()
    {
        var app = DashboardApp.Build(["--urls", "http://0.0.0.0:5999"], _store.Path);
        var access = app.Services.GetRequiredService<DashboardAccess>();
        Assert.True(access.TokenRequired);
        Assert.Matches("^[0-9a-f]{32}$", access.Token);
        Assert.NotEqual(access.Token, DashboardAccess.For(["http://0.0.0.0:5999"], null).Token);
        Assert.False(access.Accepts(null));
        Assert.False(access.Accepts(access.Token + "x"));
        Assert.True(access.Accepts(access.Token));
    }

    [Fact]
    public void TheDefaultBindsToLoopbackWithoutAToken()
    {
        var app = DashboardApp.Build([], _store.Path);
        Assert.Equal(DashboardApp.DefaultUrls, app.Configuration["urls"] ?? DashboardApp.DefaultUrls);
        Assert.Equal("http://127.0.0.1:5080", DashboardApp.DefaultUrls);
        Assert.False(app.Services.GetRequiredService<DashboardAccess>().TokenRequired);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5080", true)]
    [InlineData("http://127.0.0.2:80", true)]
    [InlineData("http://localhost:5000", true)]
    [InlineData("http://[::1]:5000", true)]
    [InlineData("http://0.0.0.0:5000", false)]
    [InlineData("http://*:5000", false)]
    [InlineData("http://+:5000", false)]
    [InlineData("http://[::]:5000", false)]
    [InlineData("http://192.168.1.20:5000", false)]
    [InlineData("http://example.org:5000", false)]
    public void OnlyLoopbackAddressesCountAsLoopback(string url, bool loopback) => Assert.Equal(loopback, DashboardAccess.IsLoopback(url));

    [Fact]
    public void OneNonLoopbackAddressAmongSeveralNeedsTheToken()
    {
        Assert.True(DashboardAccess.For(["http://127.0.0.1:5080", "http://10.0.0.5:5080"], null).TokenRequired);
        Assert.False(DashboardAccess.For(["http://127.0.0.1:5080", "http://[::1]:5080"], null).TokenRequired);
    }
}
