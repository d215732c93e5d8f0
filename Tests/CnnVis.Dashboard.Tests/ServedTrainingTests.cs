using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Playwright;

namespace CnnVis.Dashboard.Tests;

/// <summary>
/// `cnnvis train --serve`: a short real Fashion-MNIST training with the monitor, served live by the same process on
/// 127.0.0.1:0. The runs page and the metrics endpoint answer while training writes, an open page updates without a
/// reload, the process keeps serving after training until Ctrl+C, and every view of the real run loads in chromium
/// without a console error (screenshots under artifacts/real-*.png).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ServedTrainingTests(Browser browser) : IDisposable
{
    private const int Probes = 6;
    private readonly string _dir = Directory.CreateTempSubdirectory("cnnvis-served-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task TrainingServesLiveAndKeepsServingUntilCtrlC()
    {
        using var training = ServedTraining.Start(_dir,
            "--dataset", "fashion-mnist", "--train-limit", "320", "--validation-limit", "96", "--batch-size", "32", "--epochs", "2", "--threads", "1",
            "--out", Path.Combine(_dir, "run"), "--monitor", "--store", Path.Combine(_dir, "cnnvis.db"), "--probes", Probes.ToString(CultureInfo.InvariantCulture),
            "--methods", "gradcam,saliency", "--snapshots", "steps:2", "--budget", "100", "--serve", "--urls", "http://127.0.0.1:0");
        var address = await training.AddressAsync(TimeSpan.FromSeconds(90));
        using var http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };

        // The runs page is open before the run has written much: it must fill in by itself.
        var (page, errors) = await browser.OpenAsync();
        await page.GotoAsync(address + "/");
        var snapshots = page.Locator("table.runs[data-interactive='true'] td.snapshots").First;
        await Assertions.Expect(snapshots).ToBeVisibleAsync(new LocatorAssertionsToBeVisibleOptions { Timeout = 60_000 });
        var seen = await snapshots.InnerTextAsync();

        // While training writes: the metrics endpoint answers, and the training loss arrives in it step by step.
        var losses = 0;
        for (var wait = System.Diagnostics.Stopwatch.StartNew(); losses == 0 && wait.Elapsed < TimeSpan.FromSeconds(60); await Task.Delay(200))
        {
            using var metrics = await http.GetAsync("/api/runs/1/metrics");
            Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
            using var json = JsonDocument.Parse(await metrics.Content.ReadAsStringAsync());
            losses = json.RootElement.GetProperty("series").EnumerateArray().Where(s => s.GetProperty("name").GetString() == "train.loss")
                .Sum(s => s.GetProperty("values").GetArrayLength());
        }
        Assert.True(losses > 0, $"no training loss arrived in a minute:\n{training.Output}");
        Assert.False(training.Trained.IsCompleted, $"training was over before the test could watch it; make the run longer:\n{training.Output}");

        // A live update: the snapshot count on the open page changes without a reload.
        await Assertions.Expect(snapshots).Not.ToHaveTextAsync(seen, new LocatorAssertionsToHaveTextOptions { Timeout = 60_000 });
        Assert.False(training.Trained.IsCompleted && training.HasExited);

        await training.Trained.WaitAsync(TimeSpan.FromMinutes(3));
        await Assertions.Expect(page.Locator("table.runs tbody tr").First).ToContainTextAsync("finished", new LocatorAssertionsToContainTextOptions { Timeout = 20_000 });
        await Browser.ScreenshotAsync(page, "real-runs");
        Assert.Empty(errors);
        await page.Context.CloseAsync();

        // After training it keeps serving: every view of the real run loads without a console error.
        await Task.Delay(500);
        Assert.False(training.HasExited, training.Output);
        await CheckViewsAsync(address);

        Assert.Equal(0, await training.InterruptAsync(TimeSpan.FromSeconds(30)));
    }

    private async Task CheckViewsAsync(string address)
    {
        var (page, errors) = await browser.OpenAsync();
        await page.GotoAsync($"{address}/runs/1");
        await Assertions.Expect(page.Locator(".charts[data-charts]")).ToHaveAttributeAsync("data-charts", "3");
        await Browser.ScreenshotAsync(page, "real-overview");

        await page.GotoAsync($"{address}/runs/1/timeline");
        var canvas = page.Locator("canvas#timeline[data-drawn='true']");
        await Assertions.Expect(canvas).ToHaveCountAsync(1);
        var columns = int.Parse((await canvas.GetAttributeAsync("data-snapshots"))!, CultureInfo.InvariantCulture);
        Assert.True(columns >= 8, $"{columns} snapshots");
        Assert.Equal(Probes.ToString(CultureInfo.InvariantCulture), await canvas.GetAttributeAsync("data-probes"));
        Assert.Equal((Probes * columns).ToString(CultureInfo.InvariantCulture), await canvas.GetAttributeAsync("data-cells"));
        Assert.True(await CanvasHasColourAsync(page), "the timeline canvas is blank");
        await Browser.ScreenshotAsync(page, "real-timeline");

        await page.GotoAsync($"{address}/runs/1/cube");
        await Assertions.Expect(page.Locator("canvas#cube")).ToHaveAttributeAsync("data-marks", "96");
        await Browser.ScreenshotAsync(page, "real-cube");

        await page.GotoAsync($"{address}/runs/1/layers");
        await Assertions.Expect(page.Locator("canvas#layers")).ToHaveAttributeAsync("data-columns", columns.ToString(CultureInfo.InvariantCulture));
        await Browser.ScreenshotAsync(page, "real-layers");

        await page.GotoAsync($"{address}/runs/1/filters");
        await Assertions.Expect(page.Locator("canvas#filters")).ToHaveAttributeAsync("data-filters", "32");
        await Browser.ScreenshotAsync(page, "real-filters");

        await page.GotoAsync($"{address}/runs/1/trust");
        // Loss, training vs validation accuracy, drift and faithfulness.
        await Assertions.Expect(page.Locator("#trust[data-charts]")).ToHaveAttributeAsync("data-charts", "4");
        await Browser.ScreenshotAsync(page, "real-trust");
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    // Whether the drawn cells hold more than the background: counts strongly coloured pixels in the first cell row.
    private static async Task<bool> CanvasHasColourAsync(IPage page) => await page.EvaluateAsync<bool>("""
        () => {
            const c = document.querySelector('canvas#timeline');
            const [left, top, size] = c.dataset.geometry.split(',').map(Number);
            const ratio = c.width / c.clientWidth;
            const px = c.getContext('2d').getImageData(left * ratio, top * ratio, size * ratio, size * ratio).data;
            let coloured = 0;
            for (let i = 0; i < px.length; i += 4) if (Math.max(px[i], px[i + 1], px[i + 2]) - Math.min(px[i], px[i + 1], px[i + 2]) > 40) coloured++;
            return coloured > 20;
        }
        """);
}
