using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using CnnVis.Torch;
using Microsoft.Playwright;

namespace CnnVis.Dashboard.Tests;

/// <summary>
/// Post-hoc analysis in headless chromium over a sample store whose run has real checkpoints: two intact ones, one
/// whose file changed after it was stored and one whose file was deleted.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class PostHocTests(Browser browser, PostHocTests.Served served) : IClassFixture<PostHocTests.Served>
{
    private const int DefaultMethods = 3;   // gradcam, saliency, guided-backprop
    private readonly SampleStore _store = served.Store;
    private readonly DashboardHost _host = served.Host;

    /// <summary>The sample store with four checkpoints (epochs 1 and 2 intact, 3 changed, 4 deleted), served once.</summary>
    public sealed class Served : IAsyncLifetime
    {
        internal SampleStore Store { get; } = new(probes: 4, snapshots: 2, epochs: 2, validation: 12);

        internal DashboardHost Host { get; private set; } = default!;

        public async Task InitializeAsync()
        {
            CheckpointFiles.Add(Store, 1, seed: 1);
            CheckpointFiles.Add(Store, 2, seed: 2);
            var changed = CheckpointFiles.Add(Store, 3, seed: 3);
            File.AppendAllText(Path.Combine(changed.Path, "model.pt"), "tampered");
            var deleted = CheckpointFiles.Add(Store, 4, seed: 4);
            File.Delete(Path.Combine(deleted.Path, "model.pt"));
            Host = await DashboardHost.StartAsync(Store.Path);
        }

        public async Task DisposeAsync()
        {
            await Host.DisposeAsync();
            Store.Dispose();
        }
    }

    private async Task<(IPage Page, List<string> Errors)> OpenAsync(string query = "")
    {
        var (page, errors) = await browser.OpenAsync();
        await page.GotoAsync($"{_host.Address}/runs/{_store.RunId}/posthoc{query}");
        // The controls answer once the circuit is up.
        await Assertions.Expect(page.Locator("#model-a option")).ToHaveCountAsync(4);
        await Assertions.Expect(page.Locator(".posthoc")).ToHaveAttributeAsync("data-interactive", "true");
        return (page, errors);
    }

    [Fact]
    public async Task AProbeAtTwoCheckpointsGivesEveryMapSideBySideWithDownloads()
    {
        var (page, errors) = await OpenAsync();
        await page.SelectOptionAsync("#model-a", "c0");
        await page.SelectOptionAsync("#model-b", "c1");
        await page.SelectOptionAsync("#probe", "2");
        await page.ClickAsync("#explain");
        var result = page.Locator("#result");
        await Assertions.Expect(result).ToHaveAttributeAsync("data-maps", (2 * DefaultMethods).ToString(CultureInfo.InvariantCulture), new() { Timeout = 30_000 });
        Assert.Equal("2", await result.GetAttributeAsync("data-rows"));
        await Assertions.Expect(page.Locator(".row-head b")).ToHaveTextAsync(["epoch 1", "epoch 2"]);
        await Assertions.Expect(page.Locator(".row").First.Locator("figcaption .method")).ToHaveTextAsync(["gradcam", "saliency", "guided-backprop"]);
        await Assertions.Expect(page.Locator(".row").First.Locator("figcaption a")).ToHaveTextAsync(["PNG", ".npy", "PNG", ".npy", "PNG", ".npy"]);
        // Every picture arrived: the browser decoded each PNG.
        var loaded = await page.EvaluateAsync<int>("() => [...document.querySelectorAll('#result img')].filter(i => i.complete && i.naturalWidth > 0).length");
        Assert.Equal(2 * (1 + DefaultMethods), loaded);
        await Browser.ScreenshotAsync(page, "posthoc");

        // The .npy holds the raw Grad-CAM map at the input's size (32 × 32), readable as float32.
        var npyUrl = _host.Address + await page.Locator(".row").First.Locator("a[href$='.npy']").First.GetAttributeAsync("href");
        using var http = new HttpClient();
        var npy = await http.GetByteArrayAsync(npyUrl);
        using (var map = Visualizers.Rendering.NpyFile.Decode(npy))
        {
            Assert.Equal(new long[] { 32, 32 }, map.shape);
            Assert.True(map.min().item<float>() >= 0);
        }
        var png = await http.GetByteArrayAsync(npyUrl.Replace(".npy", ".png", StringComparison.Ordinal));
        using (var picture = torchvision.io.decode_image(png))
            Assert.Equal(new long[] { 32, 32, 3 }, picture.shape);
        using var unknown = await http.GetAsync($"{_host.Address}/api/posthoc/{Guid.NewGuid()}/0/0.npy");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AnUploadedPictureAndAnUploadedStateDictProduceMaps()
    {
        var (page, errors) = await OpenAsync();
        await page.Locator("details summary").ClickAsync();
        await page.SetInputFilesAsync("#model-file", new FilePayload { Name = "mine.pt", MimeType = "application/octet-stream", Buffer = CheckpointFiles.StateDict("fashionnet", 3, seed: 9) });
        await Assertions.Expect(page.Locator("#model-ok")).ToHaveTextAsync("mine.pt loads into fashionnet");
        await page.SelectOptionAsync("#model-a", "upload");
        await page.SelectOptionAsync("#source", "Upload");
        using (var pixels = torch.rand(new long[] { 48, 40, 3 }))
        using (var bytes = (pixels * 255).to(ScalarType.Byte))
            await page.SetInputFilesAsync("#image-file", new FilePayload { Name = "photo.png", MimeType = "image/png", Buffer = torchvision.io.encode_png(bytes) });
        await Assertions.Expect(page.Locator("#image-ok")).ToHaveTextAsync("photo.png · 40×48");
        await page.ClickAsync("#explain");
        await Assertions.Expect(page.Locator("#result")).ToHaveAttributeAsync("data-maps", DefaultMethods.ToString(CultureInfo.InvariantCulture), new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator(".head b")).ToHaveTextAsync("photo.png");
        await Assertions.Expect(page.Locator(".row-head b")).ToHaveTextAsync("mine.pt (fashionnet)");
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ClassAgnosticViewsOfAnUploadedPictureComeAfterTheMapsAndAMissingChannelIsAMessage()
    {
        var (page, errors) = await OpenAsync();
        await page.SelectOptionAsync("#model-a", "c0");
        await page.SelectOptionAsync("#source", "Upload");
        using (var pixels = torch.rand(new long[] { 32, 32, 3 }))
        using (var bytes = (pixels * 255).to(ScalarType.Byte))
            await page.SetInputFilesAsync("#image-file", new FilePayload { Name = "photo.png", MimeType = "image/png", Buffer = torchvision.io.encode_png(bytes) });
        await Assertions.Expect(page.Locator("#image-ok")).ToHaveTextAsync("photo.png · 32×32");
        // The layer starts at the model's explanation layer (FashionNet's last convolution block).
        await Assertions.Expect(page.Locator("#view-layer")).ToHaveValueAsync("features.16");
        await page.FillAsync("#view-layer", "features.3");
        foreach (var kind in new[] { "filters", "maps", "guided-backprop" }) await page.Locator($"#views input[value='{kind}']").CheckAsync();
        await page.FillAsync("#view-channel", "");
        await page.ClickAsync("#explain");
        await Assertions.Expect(page.Locator("#message")).ToHaveTextAsync("the guided-backprop view needs a channel of the layer");

        await page.FillAsync("#view-channel", "5");
        await page.ClickAsync("#explain");
        var result = page.Locator("#result");
        await Assertions.Expect(result).ToHaveAttributeAsync("data-maps", (DefaultMethods + 3).ToString(CultureInfo.InvariantCulture), new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("figure.view figcaption .method")).ToHaveTextAsync(["first-layer filters", "feature maps features.3", "guided-backprop features.3 #5"]);
        var loaded = await page.EvaluateAsync<int>("() => [...document.querySelectorAll('figure.view img')].filter(i => i.complete && i.naturalWidth > 0).length");
        Assert.Equal(3, loaded);
        await Browser.ScreenshotAsync(page, "posthoc-views");
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task OversizedAndNonImageUploadsAreRefusedWithAMessage()
    {
        var (page, errors) = await OpenAsync();
        await page.SelectOptionAsync("#source", "Upload");
        var message = page.Locator("#message");
        await page.SetInputFilesAsync("#image-file", new FilePayload { Name = "notes.png", MimeType = "image/png", Buffer = "not a picture at all"u8.ToArray() });
        await Assertions.Expect(message).ToHaveTextAsync("notes.png: not a PNG or JPEG image (its content does not start like one); upload a .png or .jpg picture");
        await Assertions.Expect(page.Locator("#image-ok")).ToHaveCountAsync(0);

        // Over the limit by 4 KB; handed to chromium as a file (a buffer would travel through the protocol as base64).
        var huge = Path.Combine(Path.GetDirectoryName(_store.Path)!, "huge.png");
        var bytes = new byte[(10 << 20) + 4096];
        Array.Fill(bytes, (byte)7);
        File.WriteAllBytes(huge, bytes);
        await page.SetInputFilesAsync("#image-file", huge, new() { Timeout = 30_000 });
        await Assertions.Expect(message).ToHaveTextAsync("huge.png is 10,489,856 bytes: uploads are limited to 10 MB (10,485,760 bytes)");
        await Browser.ScreenshotAsync(page, "posthoc-refused");

        // A .pt that is not a state_dict of the chosen model.
        await page.Locator("details summary").ClickAsync();
        await page.SetInputFilesAsync("#model-file", new FilePayload { Name = "other.pt", MimeType = "application/octet-stream", Buffer = CheckpointFiles.StateDict("vgg-small", 3, seed: 1) });
        await Assertions.Expect(message).ToContainTextAsync("other.pt: the state dict does not fit");
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AChangedOrDeletedCheckpointShowsAMessageNotAStackTrace()
    {
        var (page, errors) = await OpenAsync();
        var message = page.Locator("#message");
        await page.SelectOptionAsync("#model-a", "c2");
        await page.ClickAsync("#explain");
        await Assertions.Expect(message).ToContainTextAsync("the checkpoint's SHA-256 is", new() { Timeout = 30_000 });
        await Assertions.Expect(message).ToContainTextAsync("the file changed since it was written; refusing it");
        await Browser.ScreenshotAsync(page, "posthoc-bad-checkpoint");

        await page.SelectOptionAsync("#model-a", "c3");
        await page.ClickAsync("#explain");
        await Assertions.Expect(message).ToHaveTextAsync($"{Path.Combine(Path.GetDirectoryName(_store.Path)!, "checkpoints", "epoch-0004", "model.pt")}: the checkpoint's model file is missing", new() { Timeout = 30_000 });
        Assert.DoesNotContain("   at ", await page.ContentAsync());
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ALinkOpensAValidationImageAtItsEpoch()
    {
        var (page, errors) = await OpenAsync("?image=validation:5&epoch=2");
        Assert.Equal("c1", await page.Locator("#model-a").InputValueAsync());
        Assert.Equal("5", await page.Locator("#validation-index").InputValueAsync());
        await page.ClickAsync("#explain");
        await Assertions.Expect(page.Locator(".head b")).ToHaveTextAsync("validation image 5", new() { Timeout = 30_000 });
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ClickingAnImageInTheCubeOpensItInPostHocAnalysisAtThatEpoch()
    {
        var (page, errors) = await browser.OpenAsync();
        await page.GotoAsync($"{_host.Address}/runs/{_store.RunId}/cube");
        var cube = page.Locator("canvas#cube");
        await Assertions.Expect(cube).ToHaveAttributeAsync("data-clickable", "1");
        // The first mark of the first class starts right of the class labels (130 px); its first cell is epoch 1.
        await cube.ClickAsync(new LocatorClickOptions { Position = new Position { X = 131, Y = 8 } });
        // Only the address is asked of the navigation here: the page's load event can take long on a busy machine, and the
        // fields below are waited for by their own assertions.
        await page.WaitForURLAsync("**/posthoc?image=validation:*&epoch=1", new PageWaitForURLOptions { WaitUntil = WaitUntilState.Commit, Timeout = 30_000 });
        var index = int.Parse(page.Url[(page.Url.IndexOf("validation:", StringComparison.Ordinal) + 11)..page.Url.IndexOf('&', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
        Assert.InRange(index, 1000, 1000 + _store.Validation - 1);
        await Assertions.Expect(page.Locator("#validation-index")).ToHaveValueAsync(index.ToString(CultureInfo.InvariantCulture));
        await Assertions.Expect(page.Locator("#model-a")).ToHaveValueAsync("c0");
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ActivationMaximizationImagesAreMadeOnDemandAndThenServedFromTheCache()
    {
        var (page, errors) = await browser.OpenAsync();
        await page.GotoAsync($"{_host.Address}/runs/{_store.RunId}/filters");
        await Assertions.Expect(page.Locator(".am")).ToHaveAttributeAsync("data-interactive", "true");
        await page.SelectOptionAsync("#am-checkpoint", "1");
        await page.FillAsync("#am-indices", "0-2");
        await page.FillAsync("#am-steps", "8");
        await page.ClickAsync("#am-run");
        var images = page.Locator("#am-images");
        await Assertions.Expect(images).ToHaveAttributeAsync("data-images", "3", new() { Timeout = 30_000 });
        Assert.Equal("0", await images.GetAttributeAsync("data-cached"));
        await Assertions.Expect(images.Locator("figcaption")).ToHaveTextAsync([new Regex("^class circle"), new Regex("^class square"), new Regex("^class triangle")]);
        await Browser.ScreenshotAsync(page, "filters-activation");

        // Channels of the explanation layer: made the first time, from the cache the second.
        await page.SelectOptionAsync("#am-kind", "channels");
        await Assertions.Expect(page.Locator("#am-layer")).ToHaveValueAsync("features.16");
        await page.FillAsync("#am-indices", "0-1");
        await page.ClickAsync("#am-run");
        await Assertions.Expect(images.Locator("figcaption").First).ToContainTextAsync("features.16 channel 0", new() { Timeout = 30_000 });
        await page.ClickAsync("#am-run");
        await Assertions.Expect(images).ToHaveAttributeAsync("data-cached", "2", new() { Timeout = 30_000 });

        // A changed checkpoint is refused by its hash, cached images or not.
        await page.SelectOptionAsync("#am-checkpoint", "2");
        await page.ClickAsync("#am-run");
        await Assertions.Expect(page.Locator("#am-message")).ToContainTextAsync("the file changed since it was written; refusing it", new() { Timeout = 30_000 });
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AnUnknownRunOrResultIsNamedNotThrown()
    {
        using var http = new HttpClient();
        var page = WebUtility.HtmlDecode(await http.GetStringAsync($"{_host.Address}/runs/999/posthoc"));
        Assert.Contains($"{_store.Path}: no run 999 in this store", page);
        Assert.DoesNotContain("   at ", page);
        using var image = await http.GetAsync($"{_host.Address}/api/posthoc/{Guid.NewGuid()}/image.png");
        Assert.Equal(HttpStatusCode.NotFound, image.StatusCode);
        Assert.Contains("results are kept in memory", await image.Content.ReadAsStringAsync());
        // Anything but a generated id is not a route at all.
        using var path = await http.GetAsync($"{_host.Address}/api/posthoc/..%2F..%2Fetc%2Fpasswd/0/0.npy");
        Assert.Equal(HttpStatusCode.NotFound, path.StatusCode);
    }
}
