using System.Runtime.CompilerServices;

namespace CnnVis.Training.Data;

/// <summary>
/// One synthetic image, drawn from its key alone: a textured, cluttered background (a base colour,
/// stripes, soft blobs, thin lines, pixel noise), one shape of a random colour, size, position and
/// rotation, and optionally a spurious marker in a corner. The object keeps clear of the corners,
/// where markers go, in every split, so the marker is the only thing that differs between them.
/// </summary>
internal sealed class ShapeScene
{
    public static readonly string[] ClassNames = { "circle", "square", "triangle", "cross", "ring", "diamond" };

    // Saturated colours no background is likely to produce exactly; marker colour i names class i.
    private static readonly float[][] s_markerColors =
    {
        new[] { 1f, 0f, 0f }, new[] { 0f, 1f, 0f }, new[] { 0f, 0f, 1f },
        new[] { 1f, 1f, 0f }, new[] { 1f, 0f, 1f }, new[] { 0f, 1f, 1f },
    };

    private const long MarkerStream = 0x4D41524B4552;
    private const float Sqrt3 = 1.7320508f;

    private readonly int _size;
    private readonly float[] _base = new float[3];
    private readonly bool _stripes;
    private readonly float _stripeCos, _stripeSin, _stripeFrequency, _stripePhase;
    private readonly float[] _stripeAmplitude = new float[3];
    private readonly Blob[] _blobs;
    private readonly Line[] _lines;
    private readonly float _noiseAmplitude;
    private readonly ulong _noiseKey;
    private readonly float _cos, _sin, _shadeX, _shadeY;
    private readonly float[] _color = new float[3];

    public ShapeScene(long seed, long stream, int index, int size, SpuriousMarker? marker)
    {
        _size = size;
        var random = SeededRandom.For(seed, stream, index);
        Label = random.NextInt(ClassNames.Length);

        // Background.
        for (var c = 0; c < 3; c++) _base[c] = (float)random.Uniform(0.15, 0.85);
        _stripes = random.NextDouble() < 0.6;
        var angle = random.Uniform(0, Math.PI);
        _stripeCos = (float)Math.Cos(angle);
        _stripeSin = (float)Math.Sin(angle);
        _stripeFrequency = (float)(2 * Math.PI / (size * random.Uniform(0.1, 0.3)));
        _stripePhase = (float)random.Uniform(0, 2 * Math.PI);
        for (var c = 0; c < 3; c++) _stripeAmplitude[c] = (float)random.Uniform(-0.25, 0.25);
        _blobs = new Blob[2 + random.NextInt(4)];
        for (var b = 0; b < _blobs.Length; b++)
        {
            var sigma = size * random.Uniform(0.06, 0.2);
            _blobs[b] = new Blob((float)random.Uniform(0, size), (float)random.Uniform(0, size), (float)(1 / (2 * sigma * sigma)),
                (float)random.Uniform(-0.35, 0.35), (float)random.Uniform(-0.35, 0.35), (float)random.Uniform(-0.35, 0.35));
        }
        _lines = new Line[1 + random.NextInt(3)];
        for (var l = 0; l < _lines.Length; l++)
        {
            _lines[l] = new Line((float)random.Uniform(0, size), (float)random.Uniform(0, size), (float)random.Uniform(0, size),
                (float)random.Uniform(0, size), (float)random.Uniform(0.4, 1.0) * size / 32f,
                (float)random.NextDouble(), (float)random.NextDouble(), (float)random.NextDouble());
        }
        _noiseAmplitude = (float)random.Uniform(0.02, 0.1);
        _noiseKey = random.NextULong();

        // The object: a colour far from the background's base, so the shape stays visible.
        var colorFound = false;
        for (var attempt = 0; attempt < 10 && !colorFound; attempt++)
        {
            for (var c = 0; c < 3; c++) _color[c] = (float)random.NextDouble();
            colorFound = Distance(_color, _base) >= 0.45f;
        }
        if (!colorFound)
        {
            for (var c = 0; c < 3; c++) _color[c] = _base[c] < 0.5f ? 0.95f : 0.05f;
        }
        Radius = (float)(size * random.Uniform(0.18, 0.3));
        Rotation = Label switch
        {
            // Square, cross and diamond turn a little only: a square turned 45° would be a diamond.
            1 or 3 or 5 => (float)random.Uniform(-Math.PI / 12, Math.PI / 12),
            2 => (float)random.Uniform(0, 2 * Math.PI),
            _ => 0f,
        };
        _cos = MathF.Cos(Rotation);
        _sin = MathF.Sin(Rotation);
        var shade = (float)random.Uniform(-0.15, 0.15);
        var shadeAngle = random.Uniform(0, 2 * Math.PI);
        _shadeX = shade * (float)Math.Cos(shadeAngle) / Radius;
        _shadeY = shade * (float)Math.Sin(shadeAngle) / Radius;

        MarkerSize = MarkerSide(size);
        BoundingRadius = Radius * Label switch { 1 => 1.1314f, 3 => 1.0441f, _ => 1f };
        var low = BoundingRadius + 1;
        var high = size - BoundingRadius - 1;
        (CenterX, CenterY) = (size / 2f, size / 2f);
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var x = (float)random.Uniform(low, high);
            var y = (float)random.Uniform(low, high);
            if (ClearOfCorners(x, y))
            {
                (CenterX, CenterY) = (x, y);
                break;
            }
        }

        // The marker has its own stream, so planting it or not changes nothing else in the image.
        if (marker is not null)
        {
            var markerRandom = SeededRandom.For(seed, stream, index, MarkerStream);
            MarkerClass = markerRandom.NextDouble() < marker.Correlation
                ? Label
                : (Label + 1 + markerRandom.NextInt(ClassNames.Length - 1)) % ClassNames.Length;
        }
    }

    public int Label { get; }
    public float CenterX { get; }
    public float CenterY { get; }
    public float Radius { get; }
    public float BoundingRadius { get; }
    public float Rotation { get; }
    public IReadOnlyList<float> Color => _color;
    public int? MarkerClass { get; }
    public int MarkerSize { get; }

    /// <summary>The side of the marker square in an image of <paramref name="size"/> pixels: a tenth of it, at least 2.</summary>
    public static int MarkerSide(int size) => Math.Max(2, size / 10);

    /// <summary>The top-left pixel of the marker square of <paramref name="markerClass"/>: its corner is the class modulo 4.</summary>
    public static (int x, int y) MarkerOrigin(int markerClass, int size, int markerSize)
    {
        var far = size - 1 - markerSize;
        return (markerClass % 4) switch
        {
            0 => (1, 1),
            1 => (far, 1),
            2 => (1, far),
            _ => (far, far),
        };
    }

    public static IReadOnlyList<float> MarkerColor(int markerClass) => s_markerColors[markerClass];

    /// <summary>Writes the RGB image (3×S×S, in [0, 1]); without the object, it is the bare background.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Render(Span<float> destination, bool withObject = true)
    {
        var size = _size;
        var plane = size * size;
        var noise = new SeededRandom(_noiseKey);
        var noiseScale = 2 * _noiseAmplitude / (1 << 21);
        var (x0, y0, x1, y1) = ObjectBounds();
        var markerX = -1;
        var markerY = -1;
        if (MarkerClass is { } m) (markerX, markerY) = MarkerOrigin(m, size, MarkerSize);

        // The stripes and blobs are separable in x and y: sin(a + b) from per-column and per-row sines
        // and cosines, a Gaussian as a column factor times a row factor. This keeps a pixel to a few multiplies.
        var columnSin = new float[size];
        var columnCos = new float[size];
        var rowSin = new float[size];
        var rowCos = new float[size];
        var blobColumns = new float[_blobs.Length * size];
        var blobRows = new float[_blobs.Length * size];
        for (var i = 0; i < size; i++)
        {
            var p = i + 0.5f;
            (columnSin[i], columnCos[i]) = MathF.SinCos(_stripeFrequency * _stripeCos * p);
            (rowSin[i], rowCos[i]) = MathF.SinCos(_stripeFrequency * _stripeSin * p + _stripePhase);
            for (var b = 0; b < _blobs.Length; b++)
            {
                var blob = _blobs[b];
                blobColumns[b * size + i] = MathF.Exp(-(p - blob.X) * (p - blob.X) * blob.InverseTwoSigmaSquared);
                blobRows[b * size + i] = MathF.Exp(-(p - blob.Y) * (p - blob.Y) * blob.InverseTwoSigmaSquared);
            }
        }

        for (var y = 0; y < size; y++)
        {
            var py = y + 0.5f;
            for (var x = 0; x < size; x++)
            {
                var px = x + 0.5f;
                float r = _base[0], g = _base[1], bl = _base[2];
                if (_stripes)
                {
                    var wave = columnSin[x] * rowCos[y] + columnCos[x] * rowSin[y];
                    r += _stripeAmplitude[0] * wave;
                    g += _stripeAmplitude[1] * wave;
                    bl += _stripeAmplitude[2] * wave;
                }
                for (var b = 0; b < _blobs.Length; b++)
                {
                    var weight = blobColumns[b * size + x] * blobRows[b * size + y];
                    r += _blobs[b].R * weight;
                    g += _blobs[b].G * weight;
                    bl += _blobs[b].B * weight;
                }
                foreach (var line in _lines)
                {
                    if (!line.Near(px, py)) continue;
                    var coverage = Math.Clamp(line.HalfWidth + 0.5f - line.DistanceTo(px, py), 0f, 1f);
                    r += coverage * (line.R - r);
                    g += coverage * (line.G - g);
                    bl += coverage * (line.B - bl);
                }
                // One 64-bit draw gives the three channels' noise, 21 bits each.
                var bits = noise.NextULong();
                r += noiseScale * (bits & 0x1FFFFF) - _noiseAmplitude;
                g += noiseScale * ((bits >> 21) & 0x1FFFFF) - _noiseAmplitude;
                bl += noiseScale * ((bits >> 42) & 0x1FFFFF) - _noiseAmplitude;

                if (withObject && x >= x0 && x <= x1 && y >= y0 && y <= y1)
                {
                    var coverage = Coverage(x, y);
                    if (coverage > 0)
                    {
                        var shade = 1 + _shadeX * (px - CenterX) + _shadeY * (py - CenterY);
                        r += coverage * (Math.Clamp(_color[0] * shade, 0f, 1f) - r);
                        g += coverage * (Math.Clamp(_color[1] * shade, 0f, 1f) - g);
                        bl += coverage * (Math.Clamp(_color[2] * shade, 0f, 1f) - bl);
                    }
                }
                if (MarkerClass is { } mc && x >= markerX && x < markerX + MarkerSize && y >= markerY && y < markerY + MarkerSize)
                {
                    var color = s_markerColors[mc];
                    (r, g, bl) = (color[0], color[1], color[2]);
                }

                var at = y * size + x;
                destination[at] = Math.Clamp(r, 0f, 1f);
                destination[plane + at] = Math.Clamp(g, 0f, 1f);
                destination[2 * plane + at] = Math.Clamp(bl, 0f, 1f);
            }
        }
    }

    /// <summary>Writes the object's mask (S×S): 1 where the shape covers at least half of a pixel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void RenderMask(Span<float> destination)
    {
        destination.Clear();
        var (x0, y0, x1, y1) = ObjectBounds();
        for (var y = y0; y <= y1; y++)
        {
            for (var x = x0; x <= x1; x++)
            {
                if (Coverage(x, y) >= 0.5f) destination[y * _size + x] = 1f;
            }
        }
    }

    // Pixels the object can touch, clipped to the image.
    private (int x0, int y0, int x1, int y1) ObjectBounds() => (
        Math.Max(0, (int)MathF.Floor(CenterX - BoundingRadius)), Math.Max(0, (int)MathF.Floor(CenterY - BoundingRadius)),
        Math.Min(_size - 1, (int)MathF.Ceiling(CenterX + BoundingRadius)), Math.Min(_size - 1, (int)MathF.Ceiling(CenterY + BoundingRadius)));

    // The share of a pixel the shape covers, from a 2×2 grid of samples (enough for smooth edges).
    private float Coverage(int x, int y)
    {
        var inside = 0;
        for (var sy = 0; sy < 2; sy++)
        {
            for (var sx = 0; sx < 2; sx++)
            {
                var dx = x + 0.25f + 0.5f * sx - CenterX;
                var dy = y + 0.25f + 0.5f * sy - CenterY;
                var u = (dx * _cos + dy * _sin) / Radius;
                var v = (-dx * _sin + dy * _cos) / Radius;
                if (Inside(u, v)) inside++;
            }
        }
        return inside * 0.25f;
    }

    // Whether the point (u, v), in the shape's own frame with its radius as unit, lies in the shape.
    private bool Inside(float u, float v)
    {
        var r2 = u * u + v * v;
        var au = MathF.Abs(u);
        var av = MathF.Abs(v);
        return Label switch
        {
            0 => r2 <= 1,
            1 => au <= 0.8f && av <= 0.8f,
            2 => v >= -0.5f && Sqrt3 * u + v <= 1 && -Sqrt3 * u + v <= 1,
            3 => (au <= 1 && av <= 0.3f) || (au <= 0.3f && av <= 1),
            4 => r2 <= 1 && r2 >= 0.55f * 0.55f,
            _ => au / 0.7f + av <= 1,
        };
    }

    private bool ClearOfCorners(float x, float y)
    {
        var keepOut = MarkerSize + 2f;
        foreach (var (cx, cy) in new[] { (0f, 0f), (_size - keepOut, 0f), (0f, _size - keepOut), (_size - keepOut, _size - keepOut) })
        {
            var nearestX = Math.Clamp(x, cx, cx + keepOut);
            var nearestY = Math.Clamp(y, cy, cy + keepOut);
            var dx = x - nearestX;
            var dy = y - nearestY;
            if (dx * dx + dy * dy <= BoundingRadius * BoundingRadius) return false;
        }
        return true;
    }

    private static float Distance(float[] a, float[] b)
    {
        float sum = 0;
        for (var c = 0; c < a.Length; c++) sum += (a[c] - b[c]) * (a[c] - b[c]);
        return MathF.Sqrt(sum);
    }

    private readonly record struct Blob(float X, float Y, float InverseTwoSigmaSquared, float R, float G, float B);

    private readonly record struct Line(float X0, float Y0, float X1, float Y1, float HalfWidth, float R, float G, float B)
    {
        // Whether (px, py) lies in the segment's bounding box widened by the stroke, where it can be drawn at all.
        public bool Near(float px, float py)
        {
            var reach = HalfWidth + 0.5f;
            return px >= MathF.Min(X0, X1) - reach && px <= MathF.Max(X0, X1) + reach
                && py >= MathF.Min(Y0, Y1) - reach && py <= MathF.Max(Y0, Y1) + reach;
        }

        public float DistanceTo(float px, float py)
        {
            var dx = X1 - X0;
            var dy = Y1 - Y0;
            var lengthSquared = dx * dx + dy * dy;
            var t = lengthSquared > 0 ? Math.Clamp(((px - X0) * dx + (py - Y0) * dy) / lengthSquared, 0f, 1f) : 0f;
            var ex = px - (X0 + t * dx);
            var ey = py - (Y0 + t * dy);
            return MathF.Sqrt(ex * ex + ey * ey);
        }
    }
}
