using CnnVis.Training.Data;

namespace CnnVis.Training.Tests.Data;

public sealed class SyntheticShapesTests
{
    [Fact]
    public void SameSeedGivesTheSameBytes()
    {
        var a = new SyntheticShapes(seed: 7);
        var b = new SyntheticShapes(seed: 7);
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(a.GetImage(i), b.GetImage(i));
            Assert.Equal(Mask(a, i), Mask(b, i));
            Assert.Equal(a.Label(i), b.Label(i));
        }
    }

    [Fact]
    public void DifferentSeedOrSplitGivesDifferentImages()
    {
        var a = new SyntheticShapes(seed: 7);
        var b = new SyntheticShapes(seed: 8);
        var test = new SyntheticShapes(train: false, seed: 7);
        for (var i = 0; i < 20; i++)
        {
            Assert.NotEqual(a.GetImage(i), b.GetImage(i));
            Assert.NotEqual(a.GetImage(i), test.GetImage(i));
        }
        Assert.NotEqual(Enumerable.Range(0, 50).Select(a.Label), Enumerable.Range(0, 50).Select(b.Label));
    }

    [Fact]
    public void ImagesAreColourInTheUnitRange()
    {
        var data = new SyntheticShapes(count: 100, size: 64);
        Assert.Equal((3, 64, 64, 100), (data.Channels, data.Height, data.Width, data.Count));
        Assert.Equal(new[] { "circle", "square", "triangle", "cross", "ring", "diamond" }, data.ClassNames);
        Assert.True(data.HasMasks);
        for (var i = 0; i < 10; i++) Assert.All(data.GetImage(i), v => Assert.InRange(v, 0f, 1f));
        Assert.Equal(2000, new SyntheticShapes(train: false).Count);
    }

    [Fact]
    public void ClassesAreBalancedAndLabelsMatchTheScene()
    {
        var data = new SyntheticShapes(count: 3000);
        var counts = new int[6];
        for (var i = 0; i < data.Count; i++) counts[data.Label(i)]++;
        Assert.All(counts, c => Assert.InRange(c, 420, 580));
        for (var i = 0; i < 100; i++) Assert.Equal(data.Label(i), data.Describe(i).Label);
    }

    [Theory]
    [InlineData(32)]
    [InlineData(64)]
    public void MasksCoverTheObjectAndLieWithinTheImage(int size)
    {
        var data = new SyntheticShapes(count: 120, size: size, seed: 3);
        var image = new float[3 * size * size];
        var background = new float[3 * size * size];
        var mask = new float[size * size];
        var plane = size * size;
        for (var i = 0; i < data.Count; i++)
        {
            data.CopyImage(i, image);
            data.CopyBackground(i, background);
            data.CopyMask(i, mask);
            var shape = data.Describe(i);

            // Binary, not empty, clear of the border, centred on the object.
            Assert.All(mask, v => Assert.True(v is 0f or 1f));
            double area = 0, sx = 0, sy = 0;
            for (var y = 0; y < size; y++)
            {
                for (var x = 0; x < size; x++)
                {
                    if (mask[y * size + x] == 0) continue;
                    Assert.True(x > 0 && y > 0 && x < size - 1 && y < size - 1, $"image {i}: mask pixel ({x}, {y}) touches the border");
                    area++;
                    sx += x + 0.5;
                    sy += y + 0.5;
                }
            }
            Assert.True(area >= 0.1 * shape.Radius * shape.Radius, $"image {i}: the mask covers only {area} pixels");
            Assert.InRange(sx / area, shape.CenterX - 1, shape.CenterX + 1);
            Assert.InRange(sy / area, shape.CenterY - 1, shape.CenterY + 1);

            for (var p = 0; p < plane; p++)
            {
                // Where the object changed the image, the mask (or its one-pixel rim of partly covered pixels) is.
                var changed = image[p] != background[p] || image[plane + p] != background[plane + p] || image[2 * plane + p] != background[2 * plane + p];
                if (changed) Assert.True(Near(mask, size, p), $"image {i}: pixel {p} shows the object outside its mask");
                // Inside the mask, the object's own colour (shaded by at most 15 %) is what shows.
                if (Interior(mask, size, p))
                {
                    for (var c = 0; c < 3; c++) Assert.InRange(image[c * plane + p], shape.Color[c] * 0.85f - 1e-4f, shape.Color[c] * 1.15f + 1e-4f);
                }
            }
        }
    }

    [Fact]
    public void MarkerIsPlantedInTrainingOnlyAndFollowsTheLabel()
    {
        var marker = new SpuriousMarker(Correlation: 0.8);
        var train = new SyntheticShapes(train: true, count: 1000, seed: 5, marker: marker);
        var test = new SyntheticShapes(train: false, count: 300, seed: 5, marker: marker);
        Assert.Same(marker, train.Marker);
        Assert.Null(test.Marker);

        var agree = 0;
        for (var i = 0; i < train.Count; i++)
        {
            var shape = train.Describe(i);
            Assert.NotNull(shape.MarkerClass);
            if (shape.MarkerClass == shape.Label) agree++;
            Assert.True(ShowsMarker(train, i, shape.MarkerClass!.Value), $"image {i} lacks the marker it is said to carry");
        }
        Assert.InRange(agree / (double)train.Count, 0.75, 0.85);

        for (var i = 0; i < test.Count; i++)
        {
            Assert.Null(test.Describe(i).MarkerClass);
            for (var m = 0; m < 6; m++) Assert.False(ShowsMarker(test, i, m), $"test image {i} shows the marker of class {m}");
        }
    }

    [Fact]
    public void MarkerChangesNothingElse()
    {
        var marked = new SyntheticShapes(count: 50, seed: 9, marker: new SpuriousMarker(1.0));
        var clean = marked.ForEvaluation();
        Assert.IsType<SyntheticShapes>(clean);
        Assert.Null(((SyntheticShapes)clean).Marker);
        var plane = 32 * 32;
        for (var i = 0; i < marked.Count; i++)
        {
            var (mx, my, side) = marked.MarkerRegion(marked.Label(i));
            var a = marked.GetImage(i);
            var b = clean.GetImage(i);
            for (var c = 0; c < 3; c++)
            {
                for (var p = 0; p < plane; p++)
                {
                    int x = p % 32, y = p / 32;
                    var inMarker = x >= mx && x < mx + side && y >= my && y < my + side;
                    if (!inMarker) Assert.Equal(b[c * plane + p], a[c * plane + p]);
                }
            }
            Assert.Equal(Mask(marked, i), Mask(clean, i));
            Assert.Equal(marked.Label(i), clean.Label(i));
        }
    }

    [Fact]
    public void ValidationSplitOfMarkedTrainingDataHasNoMarker()
    {
        var train = new SyntheticShapes(count: 600, seed: 2, marker: new SpuriousMarker(0.95));
        var (fit, validation) = DatasetSplit.Split(train, 0.2, seed: 4);
        var fitSource = Assert.IsType<SyntheticShapes>(Assert.IsType<Subset>(fit).Dataset);
        var validationSource = Assert.IsType<SyntheticShapes>(Assert.IsType<Subset>(validation).Dataset);
        Assert.NotNull(fitSource.Marker);
        Assert.Null(validationSource.Marker);
        Assert.Equal(120, validation.Count);
    }

    [Fact]
    public void BothSplitsShareOneMeasuredNormalisation()
    {
        var train = new SyntheticShapes(seed: 11);
        var test = new SyntheticShapes(train: false, seed: 11);
        Assert.Equal(train.Normalization.Mean, test.Normalization.Mean);
        Assert.Equal(train.Normalization.Std, test.Normalization.Std);
        Assert.All(train.Normalization.Mean, m => Assert.InRange(m, 0.3f, 0.7f));
        Assert.All(train.Normalization.Std, s => Assert.InRange(s, 0.15f, 0.4f));
    }

    [Fact]
    public void BadSettingsAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SyntheticShapes(size: 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SyntheticShapes(count: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SyntheticShapes(marker: new SpuriousMarker(1.5)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SyntheticShapes(count: 5).GetImage(5));
    }

    private static float[] Mask(ImageDataset data, int index)
    {
        var mask = new float[data.Height * data.Width];
        data.CopyMask(index, mask);
        return mask;
    }

    private static bool ShowsMarker(SyntheticShapes data, int index, int markerClass)
    {
        var (mx, my, side) = data.MarkerRegion(markerClass);
        var color = SyntheticShapes.MarkerColor(markerClass);
        var image = data.GetImage(index);
        var plane = data.Size * data.Size;
        for (var y = my; y < my + side; y++)
        {
            for (var x = mx; x < mx + side; x++)
            {
                for (var c = 0; c < 3; c++)
                {
                    if (image[c * plane + y * data.Size + x] != color[c]) return false;
                }
            }
        }
        return true;
    }

    // Whether pixel p or one of its eight neighbours is in the mask.
    private static bool Near(float[] mask, int size, int p) => CountAround(mask, size, p) > 0;

    // Whether pixel p and all eight neighbours are in the mask.
    private static bool Interior(float[] mask, int size, int p) => CountAround(mask, size, p) == 9;

    private static int CountAround(float[] mask, int size, int p)
    {
        int x = p % size, y = p / size, count = 0;
        for (var ny = Math.Max(0, y - 1); ny <= Math.Min(size - 1, y + 1); ny++)
        {
            for (var nx = Math.Max(0, x - 1); nx <= Math.Min(size - 1, x + 1); nx++)
            {
                if (mask[ny * size + nx] == 1f) count++;
            }
        }
        return count;
    }
}
