using System.Buffers.Binary;
using System.Text.Json;
using CnnVis.Monitor.Store;

namespace CnnVis.Dashboard.Tests;

/// <summary>The compact data behind the canvases: what the store holds, in the documented layout, and only what is new.</summary>
public sealed class EndpointTests : IAsyncLifetime
{
    private readonly SampleStore _store = new(probes: 4, snapshots: 5, epochs: 2, validation: 9);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private DashboardHost _host = default!;

    public async Task InitializeAsync() => _host = await DashboardHost.StartAsync(_store.Path);

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _http.Dispose();
        _store.Dispose();
    }

    [Fact]
    public async Task TimelineBytesCarryTheStoredCodesPredictionsAndProbes()
    {
        var bytes = await _http.GetByteArrayAsync($"{_host.Address}/api/runs/{_store.RunId}/timeline?method=gradcam&target=true");
        var header = Header(bytes);
        Assert.Equal("CVT2", System.Text.Encoding.ASCII.GetString(bytes, 0, 4));
        Assert.Equal([0, 5, 4, SampleStore.Side, SampleStore.Side, 1, SampleStore.Side, SampleStore.Side, 3], header);
        var (s, p, cells) = (5, 4, 20);
        var at = 40 + 3 * 4 * s;
        var offsets = Floats(bytes, at, cells);
        var scales = Floats(bytes, at + 4 * cells, cells);
        var truth = Floats(bytes, at + 8 * cells, cells);
        var predicted = bytes.AsSpan(at + 12 * cells, cells).ToArray();
        var present = bytes.AsSpan(at + 13 * cells, cells).ToArray();
        var codesAt = at + 14 * cells + 8 * p;
        Assert.All(present, x => Assert.Equal(1, x));

        using var reader = RunReader.Open(_store.Path);
        var stored = reader.Map(_store.RunId, 3, 2, "gradcam", "true")!;
        var cell = 3 * p + 2;
        Assert.Equal(stored.Offset, offsets[cell], 1e-6);
        // 8-bit codes: the stored 16-bit code divided by 257, rounded, at 257 times the step; each value within half a step.
        Assert.Equal(stored.Scale * 257, scales[cell], 1e-6);
        var plane = SampleStore.Side * SampleStore.Side;
        var values = stored.Values();
        for (var i = 0; i < plane; i++)
        {
            var code = bytes[codesAt + cell * plane + i];
            Assert.Equal((stored.Codes[i] + 128) / 257, code);
            Assert.Equal(values[i], offsets[cell] + code * scales[cell], stored.Scale * 257 / 2 + 1e-6);
        }
        // Probe 2 is right from snapshot 2 on (true class at 0.8), probe 1 never.
        Assert.Equal(SampleStore.LabelOf(2), predicted[cell]);
        Assert.Equal(0.8f, truth[cell]);
        Assert.Equal((SampleStore.LabelOf(1) + 1) % 3, predicted[3 * p + 1]);
        Assert.Equal(0.2f, truth[3 * p + 1]);
        // The probe images come once, at the end.
        Assert.Equal(codesAt + cells * plane + p * plane, bytes.Length);
        Assert.Equal(reader.Probes(_store.RunId)[3].Image, bytes[^plane..]);
    }

    [Fact]
    public async Task AskingFromASnapshotSendsOnlyTheNewOnesWithoutTheImages()
    {
        var bytes = await _http.GetByteArrayAsync($"{_host.Address}/api/runs/{_store.RunId}/timeline?method=guided-backprop&target=true&from=3");
        Assert.Equal([3, 2, 4], Header(bytes)[..3]);
        var (s, cells, plane) = (2, 8, SampleStore.Side * SampleStore.Side);
        Assert.Equal([3, 4], Ints(bytes, 40, s));
        Assert.Equal(40 + 12 * s + 14 * cells + 8 * 4 + cells * plane, bytes.Length);
    }

    [Fact]
    public async Task ABrowserAcceptingGzipGetsTheSameTimelineCompressed()
    {
        var url = $"{_host.Address}/api/runs/{_store.RunId}/timeline?method=gradcam&target=true";
        var plain = await _http.GetByteArrayAsync(url);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.AcceptEncoding.ParseAdd("gzip, deflate, br");
        using var response = await _http.SendAsync(request);
        Assert.Equal(["gzip"], response.Content.Headers.ContentEncoding);
        var compressed = await response.Content.ReadAsByteArrayAsync();
        Assert.True(compressed.Length < plain.Length, $"{compressed.Length} compressed bytes, {plain.Length} plain");
        using var gzip = new System.IO.Compression.GZipStream(new MemoryStream(compressed), System.IO.Compression.CompressionMode.Decompress);
        using var unpacked = new MemoryStream();
        await gzip.CopyToAsync(unpacked);
        Assert.Equal(plain, unpacked.ToArray());
    }

    [Fact]
    public async Task ACellComesWithEveryMethodsMapAndItsChannelWeights()
    {
        using var json = JsonDocument.Parse(await _http.GetStringAsync($"{_host.Address}/api/runs/{_store.RunId}/cell?snapshot=3&probe=2"));
        var root = json.RootElement;
        Assert.Equal((3, 36L, 2), (root.GetProperty("snapshot").GetInt32(), root.GetProperty("step").GetInt64(), root.GetProperty("epoch").GetInt32()));
        var maps = root.GetProperty("maps").EnumerateArray().ToList();
        Assert.Equal(["gradcam|true", "guided-backprop|true"], maps.Select(m => $"{m.GetProperty("method").GetString()}|{m.GetProperty("target").GetString()}").Order());
        using var reader = RunReader.Open(_store.Path);
        var stored = reader.Map(_store.RunId, 3, 2, "gradcam", "true")!;
        var gradcam = maps.Single(m => m.GetProperty("method").GetString() == "gradcam");
        Assert.Equal((SampleStore.Side, SampleStore.Side), (gradcam.GetProperty("height").GetInt32(), gradcam.GetProperty("width").GetInt32()));
        // The same 8-bit codes as the timeline: the stored 16-bit code divided by 257, rounded, at 257 times the step.
        Assert.Equal(stored.Codes.Select(c => (byte)((c + 128) / 257)).ToArray(), Convert.FromBase64String(gradcam.GetProperty("codes").GetString()!));
        Assert.Equal(stored.Offset, gradcam.GetProperty("offset").GetDouble(), 1e-6);
        Assert.Equal(stored.Scale * 257, gradcam.GetProperty("scale").GetDouble(), 1e-6);
        var weights = Assert.Single(root.GetProperty("channelWeights").EnumerateArray());
        Assert.Equal(SampleStore.CamLayer, weights.GetProperty("layer").GetString());
        Assert.Equal("true", weights.GetProperty("target").GetString());
        Assert.Equal(SampleStore.ChannelWeightsOf(2, 3), weights.GetProperty("weights").EnumerateArray().Select(w => w.GetSingle()).ToArray());
    }

    [Theory]
    [InlineData("snapshot=9&probe=2", "has no snapshot 9 with probe 2")]
    [InlineData("snapshot=1&probe=77", "has no snapshot 1 with probe 77")]
    public async Task AnUnknownCellIsNamed(string query, string message)
    {
        using var response = await _http.GetAsync($"{_host.Address}/api/runs/{_store.RunId}/cell?{query}");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains($"run {_store.RunId} {message}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task MetricsAskedWithWhatThePageHasComeFromThere()
    {
        // The sample run: train.loss and lr at steps 1..40 (2 epochs), val.loss and val.accuracy at 20 and 40, 5 snapshots.
        using var json = JsonDocument.Parse(await _http.GetStringAsync($"{_host.Address}/api/runs/{_store.RunId}/metrics?have=train.loss:30,val.loss:1,lr:99&snapshots=3"));
        var series = json.RootElement.GetProperty("series").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!);
        var loss = series["train.loss"];
        Assert.Equal(30, loss.GetProperty("from").GetInt32());
        Assert.Equal(Enumerable.Range(31, 10).Select(i => (long)i), loss.GetProperty("steps").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal([40L], series["val.loss"].GetProperty("steps").EnumerateArray().Select(e => e.GetInt64()));
        // More than the store has (another run, a replaced store): everything again, from 0.
        Assert.Equal(0, series["lr"].GetProperty("from").GetInt32());
        Assert.Equal(40, series["lr"].GetProperty("steps").GetArrayLength());
        // Not named: all of it.
        Assert.Equal(2, series["val.accuracy"].GetProperty("steps").GetArrayLength());
        Assert.Equal(3, json.RootElement.GetProperty("snapshotsFrom").GetInt32());
        Assert.Equal([3, 4], json.RootElement.GetProperty("snapshots").EnumerateArray().Select(s => s.GetProperty("sequence").GetInt32()));

        using var bad = await _http.GetAsync($"{_host.Address}/api/runs/{_store.RunId}/metrics?have=train.loss:-1");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("have: 'train.loss:-1' is not a list of name:count pairs", await bad.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task CubeBytesHoldEveryImageAtEveryEpoch()
    {
        var bytes = await _http.GetByteArrayAsync($"{_host.Address}/api/runs/{_store.RunId}/cube");
        Assert.Equal("CVC1", System.Text.Encoding.ASCII.GetString(bytes, 0, 4));
        Assert.Equal([2, 9, 3], Ints(bytes, 4, 3));
        Assert.Equal([1, 2], Ints(bytes, 16, 2));
        Assert.Equal(Enumerable.Range(0, 9).Select(i => i % 3).ToArray(), Ints(bytes, 24, 9));
        // Then each epoch's step, after padding to 4 bytes: epochs end at steps 20 and 40.
        var stepsAt = (24 + 8 * 9 + 4 * 18 + 18 + 3) / 4 * 4;
        Assert.Equal([20, 40], Ints(bytes, stepsAt, 2));
        Assert.Equal(stepsAt + 8, bytes.Length);
    }

    [Fact]
    public async Task LayersComeAsOneRowPerParameter()
    {
        using var json = JsonDocument.Parse(await _http.GetStringAsync($"{_host.Address}/api/runs/{_store.RunId}/layers"));
        Assert.Equal(SampleStore.Layers, json.RootElement.GetProperty("layers").EnumerateArray().Select(e => e.GetString()!).ToArray());
        var ratio = json.RootElement.GetProperty("updateRatio");
        Assert.Equal(SampleStore.Layers.Length, ratio.GetArrayLength());
        // No update ratio at the first snapshot (nothing to compare with); then 0.1 / (layer + 1) / (snapshot + 1).
        Assert.Equal(JsonValueKind.Null, ratio[0][0].ValueKind);
        Assert.Equal(0.1 / 2 / 3, ratio[1][2].GetDouble(), 1e-12);
        // Each layer's weight histogram at each snapshot: its range and bin counts as stored.
        var histogram = json.RootElement.GetProperty("histograms")[2][4];
        Assert.Equal(-1, histogram.GetProperty("min").GetDouble());
        Assert.Equal(1, histogram.GetProperty("max").GetDouble());
        Assert.Equal([1, 4, 6, 4, 1], histogram.GetProperty("counts").EnumerateArray().Select(c => c.GetInt32()).ToArray());
    }

    [Fact]
    public async Task CubeFromTheEpochsHeldCarriesOnlyTheLaterEpochs()
    {
        var whole = await _http.GetByteArrayAsync($"{_host.Address}/api/runs/{_store.RunId}/cube");
        var (n, cells) = (9, 18);
        var wholeProbabilities = Floats(whole, 24 + 8 * n, cells);
        var wholePredictions = whole.AsSpan(24 + 8 * n + 4 * cells, cells).ToArray();

        var bytes = await _http.GetByteArrayAsync($"{_host.Address}/api/runs/{_store.RunId}/cube?from=1");
        Assert.Equal("CVC2", System.Text.Encoding.ASCII.GetString(bytes, 0, 4));
        // From epoch index 1: one epoch (epoch 2, ending at step 40), nine images, three classes; no labels or indices.
        Assert.Equal([1, 1, 9, 3], Ints(bytes, 4, 4));
        Assert.Equal([2, 40], Ints(bytes, 20, 2));
        Assert.Equal(wholeProbabilities[n..], Floats(bytes, 28, n));
        Assert.Equal(wholePredictions[n..], bytes.AsSpan(28 + 4 * n, n).ToArray());
        Assert.Equal((28 + 5 * n + 3) / 4 * 4, bytes.Length);

        // From 0: both epochs with the images' labels and dataset indices, as the whole cube has them.
        var all = await _http.GetByteArrayAsync($"{_host.Address}/api/runs/{_store.RunId}/cube?from=0");
        Assert.Equal([0, 2, 9, 3], Ints(all, 4, 4));
        Assert.Equal([1, 2, 20, 40], Ints(all, 20, 4));
        Assert.Equal(Ints(whole, 24, 2 * n), Ints(all, 36, 2 * n));
        Assert.Equal(wholeProbabilities, Floats(all, 36 + 8 * n, cells));
        Assert.Equal(wholePredictions, all.AsSpan(36 + 8 * n + 4 * cells, cells).ToArray());

        // Held everything: nothing follows.
        var none = await _http.GetByteArrayAsync($"{_host.Address}/api/runs/{_store.RunId}/cube?from=2");
        Assert.Equal([2, 0, 9, 3], Ints(none, 4, 4));
        Assert.Equal(20, none.Length);

        await AssertBadFrom("cube?from=3", "from: 3 is more than the run's 2 epochs");
        await AssertBadFrom("cube?from=-1", "from: '-1' is not a whole number from 0");
        await AssertBadFrom("cube?from=two", "from: 'two' is not a whole number from 0");
    }

    [Fact]
    public async Task LayersFromTheSnapshotsHeldCarryOnlyTheLaterColumns()
    {
        using var json = JsonDocument.Parse(await _http.GetStringAsync($"{_host.Address}/api/runs/{_store.RunId}/layers?from=3"));
        var root = json.RootElement;
        Assert.Equal(3, root.GetProperty("from").GetInt32());
        Assert.Equal(SampleStore.Layers, root.GetProperty("layers").EnumerateArray().Select(e => e.GetString()!).ToArray());
        Assert.Equal([3, 4], root.GetProperty("snapshots").EnumerateArray().Select(e => e.GetInt32()).ToArray());
        Assert.Equal([36L, 48], root.GetProperty("steps").EnumerateArray().Select(e => e.GetInt64()).ToArray());
        foreach (var grid in new[] { "updateRatio", "gradientNorm", "weightNorm", "histograms" })
            Assert.All(root.GetProperty(grid).EnumerateArray(), row => Assert.Equal(2, row.GetArrayLength()));
        // Layer 1's update ratio at snapshots 3 and 4: 0.1 / 2 / 4 and 0.1 / 2 / 5.
        var ratio = root.GetProperty("updateRatio")[1];
        Assert.Equal(0.1 / 2 / 4, ratio[0].GetDouble(), 1e-12);
        Assert.Equal(0.1 / 2 / 5, ratio[1].GetDouble(), 1e-12);
        Assert.Equal([1, 4, 6, 4, 1], root.GetProperty("histograms")[2][1].GetProperty("counts").EnumerateArray().Select(c => c.GetInt32()).ToArray());

        using var none = JsonDocument.Parse(await _http.GetStringAsync($"{_host.Address}/api/runs/{_store.RunId}/layers?from=5"));
        Assert.Equal(0, none.RootElement.GetProperty("snapshots").GetArrayLength());
        Assert.All(none.RootElement.GetProperty("updateRatio").EnumerateArray(), row => Assert.Equal(0, row.GetArrayLength()));

        await AssertBadFrom("layers?from=6", "from: 6 is more than the run's 5 snapshots with layer statistics");
        await AssertBadFrom("layers?from=1.5", "from: '1.5' is not a whole number from 0");
    }

    [Fact]
    public async Task TrustFromTheSnapshotsAndPointsHeldCarriesOnlyWhatFollows()
    {
        using var whole = JsonDocument.Parse(await _http.GetStringAsync($"{_host.Address}/api/runs/{_store.RunId}/trust"));
        using var later = JsonDocument.Parse(await _http.GetStringAsync($"{_host.Address}/api/runs/{_store.RunId}/trust?from=3&have=train.loss:15,val.accuracy:1"));
        var all = whole.RootElement;
        var root = later.RootElement;
        Assert.Equal(0, all.GetProperty("from").GetInt32());
        Assert.Equal(5, all.GetProperty("snapshots").GetArrayLength());
        Assert.Equal(3, root.GetProperty("from").GetInt32());
        Assert.Equal([3, 4], root.GetProperty("snapshots").EnumerateArray().Select(e => e.GetInt32()).ToArray());
        Assert.Equal([36L, 48], root.GetProperty("steps").EnumerateArray().Select(e => e.GetInt64()).ToArray());
        // Each drift and faithfulness line: the whole answer's last two values, under the same names in the same order.
        foreach (var kind in new[] { "drift", "faithfulness" })
        {
            var mine = all.GetProperty(kind).EnumerateArray().ToList();
            var theirs = root.GetProperty(kind).EnumerateArray().ToList();
            Assert.NotEmpty(mine);
            Assert.Equal(mine.Select(l => l.GetProperty("name").GetString()), theirs.Select(l => l.GetProperty("name").GetString()));
            for (var i = 0; i < mine.Count; i++)
                Assert.Equal(mine[i].GetProperty("values").EnumerateArray().Skip(3).Select(v => v.GetRawText()), theirs[i].GetProperty("values").EnumerateArray().Select(v => v.GetRawText()));
        }
        Assert.Equal(all.GetProperty("marked").GetRawText(), root.GetProperty("marked").GetRawText());
        var loss = root.GetProperty("loss");
        Assert.Equal(15, loss.GetProperty("from").GetInt32());
        Assert.Equal(all.GetProperty("loss").GetProperty("steps").EnumerateArray().Skip(15).Select(s => s.GetInt64()), loss.GetProperty("steps").EnumerateArray().Select(s => s.GetInt64()));
        Assert.Equal(all.GetProperty("loss").GetProperty("steps").GetArrayLength() - 15, loss.GetProperty("values").GetArrayLength());
        // val.accuracy (this run's only accuracy, once per epoch) from its second point.
        var accuracy = Assert.Single(root.GetProperty("accuracy").EnumerateArray());
        Assert.Equal("val.accuracy", accuracy.GetProperty("name").GetString());
        Assert.Equal(1, accuracy.GetProperty("from").GetInt32());
        var wholeAccuracy = all.GetProperty("accuracy")[0].GetProperty("steps").EnumerateArray().Select(s => s.GetInt64()).ToList();
        Assert.Equal(2, wholeAccuracy.Count);
        Assert.Equal(wholeAccuracy.Skip(1), accuracy.GetProperty("steps").EnumerateArray().Select(s => s.GetInt64()));

        await AssertBadFrom("trust?from=6", "from: 6 is more than the run's 5 snapshots");
        await AssertBadFrom("trust?from=two", "from: 'two' is not a whole number from 0");
        await AssertBadFrom("trust?from=1&have=train.loss", "have: 'train.loss' is not a list of name:count pairs");
    }

    [Fact]
    public async Task FiltersFromTheSnapshotsHeldCarryOnlyTheLaterOnes()
    {
        using var json = JsonDocument.Parse(await _http.GetStringAsync($"{_host.Address}/api/runs/{_store.RunId}/filters?from=3"));
        var root = json.RootElement;
        Assert.Equal(3, root.GetProperty("from").GetInt32());
        Assert.Equal("features.0", root.GetProperty("layer").GetString());
        Assert.Equal(SampleStore.FilterCount, root.GetProperty("count").GetInt32());
        Assert.Equal(5, root.GetProperty("height").GetInt32());
        Assert.Equal([3, 4], root.GetProperty("snapshots").EnumerateArray().Select(e => e.GetInt32()).ToArray());
        Assert.Equal([36L, 48], root.GetProperty("steps").EnumerateArray().Select(e => e.GetInt64()).ToArray());
        var data = root.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(2, data.Count);
        // Snapshot 4's second weight: sin(0.7 + 4 * 0.3) * (1 + 4 * 0.2), rounded to 5 places as served.
        Assert.Equal(SampleStore.FilterCount * 25, data[1].GetArrayLength());
        Assert.Equal(Math.Sin(0.7 + 1.2) * 1.8, data[1][1].GetDouble(), 1e-4);

        using var none = JsonDocument.Parse(await _http.GetStringAsync($"{_host.Address}/api/runs/{_store.RunId}/filters?from=5"));
        Assert.Equal(0, none.RootElement.GetProperty("snapshots").GetArrayLength());
        Assert.Equal(0, none.RootElement.GetProperty("data").GetArrayLength());
        Assert.Equal(SampleStore.FilterCount, none.RootElement.GetProperty("count").GetInt32());

        await AssertBadFrom("filters?from=6", "from: 6 is more than the run's 5 snapshots with filters");
        await AssertBadFrom("filters?from=-1", "from: '-1' is not a whole number from 0");
    }

    [Fact]
    public async Task ClassAccuracyFromTheEpochsHeldCarriesOnlyTheLaterRows()
    {
        using var whole = JsonDocument.Parse(await _http.GetStringAsync($"{_host.Address}/api/runs/{_store.RunId}/class-accuracy"));
        using var later = JsonDocument.Parse(await _http.GetStringAsync($"{_host.Address}/api/runs/{_store.RunId}/class-accuracy?from=1"));
        Assert.Equal(1, later.RootElement.GetProperty("from").GetInt32());
        Assert.Equal([2], later.RootElement.GetProperty("epochs").EnumerateArray().Select(e => e.GetInt32()));
        var row = later.RootElement.GetProperty("accuracies").EnumerateArray().Single();
        Assert.Equal(whole.RootElement.GetProperty("accuracies")[1].GetRawText(), row.GetRawText());
        await AssertBadFrom("class-accuracy?from=3", "from: 3 is more than the run's 2 epochs");
    }

    [Fact]
    public async Task ATimelineFromThatIsNoCountIsRefusedByName()
    {
        await AssertBadFrom("timeline?method=gradcam&target=true&from=-2", "from: '-2' is not a whole number from 0");
        await AssertBadFrom("timeline?method=gradcam&target=true&from=x", "from: 'x' is not a whole number from 0");
        // Beyond the snapshots there are: none of them, from where the page says it stands.
        var bytes = await _http.GetByteArrayAsync($"{_host.Address}/api/runs/{_store.RunId}/timeline?method=gradcam&target=true&from=9");
        Assert.Equal([5, 0], Ints(bytes, 4, 2));
    }

    private async Task AssertBadFrom(string query, string message)
    {
        using var bad = await _http.GetAsync($"{_host.Address}/api/runs/{_store.RunId}/{query}");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains(message, await bad.Content.ReadAsStringAsync());
    }

    private static int[] Header(byte[] bytes) => Ints(bytes, 4, 9);

    private static int[] Ints(byte[] bytes, int at, int count) =>
        Enumerable.Range(0, count).Select(i => BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at + 4 * i))).ToArray();

    private static float[] Floats(byte[] bytes, int at, int count) =>
        Enumerable.Range(0, count).Select(i => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(at + 4 * i))).ToArray();
}
