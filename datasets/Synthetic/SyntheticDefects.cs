namespace AnomalyBench.Datasets;

/// <summary>
/// The defect painters. Each changes only the pixels it returns in its mask, so the mask is
/// exact: every marked pixel was painted, nothing outside it was. Defects are drawn to be
/// visible to a patch-feature method yet close to the normal range of values (a mid-dark
/// particle, a tint that keeps the brightness, a bite at the rim), so that a pixel-difference
/// scorer cannot separate them from the normal pose and lighting variation.
/// </summary>
internal static class SyntheticDefects
{
    public const string Scratch = "scratch";
    public const string Hole = "hole";
    public const string MissingPiece = "missing_piece";
    public const string Stain = "stain";
    public const string Particle = "particle";
    public const string Deformation = "deformation";

    public static IReadOnlyList<string> TextureDefects { get; } = [Scratch, Hole, Stain, Particle, Deformation];

    public static IReadOnlyList<string> ObjectDefects { get; } = [Scratch, MissingPiece, Stain, Particle, Deformation];

    /// <summary>Paints one defect; retries elsewhere until its mask is non-empty.</summary>
    public static bool[] Paint(string defect, Scene scene, SyntheticRandom random)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var mask = defect switch
            {
                Scratch => PaintScratch(scene, random),
                Hole => PaintHole(scene, random),
                MissingPiece => PaintMissingPiece(scene, random),
                Stain => PaintStain(scene, random),
                Particle => PaintParticle(scene, random),
                Deformation => PaintDeformation(scene, random),
                _ => throw new ArgumentException($"unknown synthetic defect '{defect}'"),
            };
            if (mask.Count(m => m) >= 4) return mask;
        }
        throw new InvalidOperationException($"could not place a '{defect}' defect: the image is too small");
    }

    private static bool OnSurface(Scene scene, int i) => scene.Coverage[i] >= 0.99f;

    /// <summary>An irregular blob: an ellipse whose radius wobbles with three random harmonics.</summary>
    private static Func<float, float, bool> Blob(float cx, float cy, float radius, SyntheticRandom random)
    {
        var harmonics = Enumerable.Range(2, 3).Select(k => (K: k, A: random.Uniform(0f, 0.14f), P: random.Uniform(0f, 2 * MathF.PI))).ToArray();
        var squash = random.Uniform(0.6f, 1f);
        var tilt = random.Uniform(0f, MathF.PI);
        var (c, s) = (MathF.Cos(tilt), MathF.Sin(tilt));
        return (x, y) =>
        {
            var dx = x - cx;
            var dy = y - cy;
            var u = c * dx + s * dy;
            var v = (-s * dx + c * dy) / squash;
            var theta = MathF.Atan2(v, u);
            var r = radius;
            foreach (var (k, a, p) in harmonics) r *= 1 + a * MathF.Sin(k * theta + p);
            return u * u + v * v <= r * r;
        };
    }

    /// <summary>Marks the pixels (centres) for which <paramref name="inside"/> holds within a box, where <paramref name="allowed"/>.</summary>
    private static bool[] Region(Scene scene, float cx, float cy, float reach, Func<float, float, bool> inside, Func<int, bool> allowed)
    {
        var n = scene.Size;
        var mask = new bool[n * n];
        var (x0, x1) = (Math.Max(0, (int)(cx - reach) - 1), Math.Min(n - 1, (int)(cx + reach) + 1));
        var (y0, y1) = (Math.Max(0, (int)(cy - reach) - 1), Math.Min(n - 1, (int)(cy + reach) + 1));
        for (var y = y0; y <= y1; y++)
        {
            for (var x = x0; x <= x1; x++)
            {
                var i = y * n + x;
                if (allowed(i) && inside(x + 0.5f, y + 0.5f)) mask[i] = true;
            }
        }
        return mask;
    }

    private static void Recolour(Scene scene, bool[] mask, Func<Rgb, int, int, Rgb> colour)
    {
        var n = scene.Size;
        for (var i = 0; i < mask.Length; i++)
        {
            if (!mask[i]) continue;
            var (x, y) = (i % n, i / n);
            scene.Canvas[x, y] = colour(scene.Canvas[x, y], x, y);
        }
    }

    /// <summary>A thin curved line (a quadratic Bézier), lighter or darker than the surface.</summary>
    private static bool[] PaintScratch(Scene scene, SyntheticRandom random)
    {
        var n = scene.Size;
        var (x0, y0) = scene.InteriorPoint(random, 2f);
        var length = random.Uniform(0.15f, 0.3f) * n;
        var direction = random.Uniform(0f, 2 * MathF.PI);
        var (dx, dy) = (MathF.Cos(direction), MathF.Sin(direction));
        var (x2, y2) = (x0 + length * dx, y0 + length * dy);
        var bend = random.Uniform(-0.3f, 0.3f) * length;
        var (x1, y1) = ((x0 + x2) / 2 - bend * dy, (y0 + y2) / 2 + bend * dx);
        var radius = MathF.Max(1f, 0.006f * n);
        var mask = new bool[n * n];
        var steps = (int)MathF.Ceiling(length * 3);
        for (var k = 0; k <= steps; k++)
        {
            var t = (float)k / steps;
            var px = (1 - t) * (1 - t) * x0 + 2 * (1 - t) * t * x1 + t * t * x2;
            var py = (1 - t) * (1 - t) * y0 + 2 * (1 - t) * t * y1 + t * t * y2;
            for (var y = Math.Max(0, (int)(py - radius) - 1); y <= Math.Min(n - 1, (int)(py + radius) + 1); y++)
            {
                for (var x = Math.Max(0, (int)(px - radius) - 1); x <= Math.Min(n - 1, (int)(px + radius) + 1); x++)
                {
                    var i = y * n + x;
                    var ddx = x + 0.5f - px;
                    var ddy = y + 0.5f - py;
                    if (ddx * ddx + ddy * ddy <= radius * radius && OnSurface(scene, i)) mask[i] = true;
                }
            }
        }
        var delta = (random.Chance(0.65) ? 1 : -1) * random.Uniform(0.18f, 0.26f);
        Recolour(scene, mask, (c, _, _) => c + new Rgb(delta, delta, delta));
        return mask;
    }

    /// <summary>A hole through a texture: a dark opening with a shaded rim.</summary>
    private static bool[] PaintHole(Scene scene, SyntheticRandom random)
    {
        var n = scene.Size;
        var radius = random.Uniform(0.035f, 0.06f) * n;
        var (cx, cy) = scene.InteriorPoint(random, radius);
        var mask = Region(scene, cx, cy, radius * 1.5f, Blob(cx, cy, radius, random), i => OnSurface(scene, i));
        var depth = new Rgb(0.05f, 0.045f, 0.04f);
        Recolour(scene, mask, (c, x, y) =>
        {
            var r = MathF.Sqrt((x + 0.5f - cx) * (x + 0.5f - cx) + (y + 0.5f - cy) * (y + 0.5f - cy)) / radius;
            return Rgb.Lerp(depth, c * 0.5f, Math.Clamp(r - 0.6f, 0f, 1f));
        });
        return mask;
    }

    /// <summary>A piece broken off an object's edge: a round bite where the background shows.</summary>
    private static bool[] PaintMissingPiece(Scene scene, SyntheticRandom random)
    {
        var n = scene.Size;
        var (cx, cy) = scene.OutlinePoint(random);
        var radius = random.Uniform(0.06f, 0.09f) * n;
        var mask = Region(scene, cx, cy, radius, (x, y) => (x - cx) * (x - cx) + (y - cy) * (y - cy) <= radius * radius,
            i => scene.Coverage[i] > 0f);
        Recolour(scene, mask, (_, _, _) => scene.Background);
        for (var i = 0; i < mask.Length; i++)
        {
            if (mask[i]) scene.Coverage[i] = 0f;
        }
        return mask;
    }

    /// <summary>A stain: a tinted blob whose brightness stays close to the surface's.</summary>
    private static bool[] PaintStain(Scene scene, SyntheticRandom random)
    {
        var n = scene.Size;
        var radius = random.Uniform(0.05f, 0.085f) * n;
        var (cx, cy) = scene.InteriorPoint(random, radius * 0.5f);
        var mask = Region(scene, cx, cy, radius * 1.5f, Blob(cx, cy, radius, random), i => OnSurface(scene, i));
        Rgb[] tints = [new(1.3f, 0.95f, 0.65f), new(0.72f, 0.95f, 1.3f), new(1.2f, 0.78f, 1.15f)];
        var tint = Rgb.Lerp(new Rgb(1, 1, 1), tints[random.Next(tints.Length)], random.Uniform(0.75f, 1f));
        Recolour(scene, mask, (c, _, _) => c * tint);
        return mask;
    }

    /// <summary>A foreign particle: a small blob of mid-dark matter on the surface.</summary>
    private static bool[] PaintParticle(Scene scene, SyntheticRandom random)
    {
        var n = scene.Size;
        var radius = MathF.Max(1.5f, random.Uniform(0.025f, 0.04f) * n);
        var (cx, cy) = scene.InteriorPoint(random, radius);
        var mask = Region(scene, cx, cy, radius * 1.5f, Blob(cx, cy, radius, random), i => OnSurface(scene, i));
        Rgb[] matter = [new(0.22f, 0.16f, 0.10f), new(0.15f, 0.26f, 0.18f), new(0.10f, 0.10f, 0.12f)];
        var colour = matter[random.Next(matter.Length)];
        var opacity = random.Uniform(0.55f, 0.7f);
        Recolour(scene, mask, (c, _, _) => Rgb.Lerp(c, colour, opacity));
        return mask;
    }

    /// <summary>
    /// A local deformation: a swirl with a bulge or dent, on an object's outline (a bent rim)
    /// or anywhere on a texture. The mask is where pixels move by half a pixel or more; a
    /// placement where that changes too little (a swirl inside a flat tile) is drawn again.
    /// </summary>
    private static bool[] PaintDeformation(Scene scene, SyntheticRandom random)
    {
        var n = scene.Size;
        var radius = random.Uniform(0.08f, 0.11f) * n;
        var (cx, cy) = scene.IsObject ? scene.OutlinePoint(random) : scene.InteriorPoint(random, 0f);
        var swirl = (random.Chance(0.5) ? 1 : -1) * random.Uniform(0.9f, 1.4f);
        var bulge = random.Uniform(-0.4f, 0.4f);
        var source = scene.Canvas.Clone();
        var coverage = (float[])scene.Coverage.Clone();
        var mask = new bool[n * n];
        var moved = new List<(int X, int Y, Rgb Colour, float Coverage)>();
        var visible = 0;
        for (var y = Math.Max(0, (int)(cy - radius) - 1); y <= Math.Min(n - 1, (int)(cy + radius) + 1); y++)
        {
            for (var x = Math.Max(0, (int)(cx - radius) - 1); x <= Math.Min(n - 1, (int)(cx + radius) + 1); x++)
            {
                var dx = x + 0.5f - cx;
                var dy = y + 0.5f - cy;
                var r = MathF.Sqrt(dx * dx + dy * dy);
                if (r >= radius) continue;
                var q = 1 - r * r / (radius * radius);
                var fall = q * q;
                var angle = swirl * fall;
                var k = 1 - bulge * fall;
                var sx = cx + k * (MathF.Cos(angle) * dx - MathF.Sin(angle) * dy);
                var sy = cy + k * (MathF.Sin(angle) * dx + MathF.Cos(angle) * dy);
                if ((sx - (x + 0.5f)) * (sx - (x + 0.5f)) + (sy - (y + 0.5f)) * (sy - (y + 0.5f)) < 0.25f) continue;
                var i = y * n + x;
                var newCoverage = SampleBilinear(coverage, n, sx - 0.5f, sy - 0.5f);
                if (scene.IsObject && coverage[i] < 0.5f && newCoverage < 0.5f) continue;
                var colour = source.Sample(sx - 0.5f, sy - 0.5f);
                var old = source[x, y];
                if (MathF.Max(MathF.Abs(colour.R - old.R), MathF.Max(MathF.Abs(colour.G - old.G), MathF.Abs(colour.B - old.B))) > 0.06f) visible++;
                moved.Add((x, y, colour, newCoverage));
            }
        }
        // At least a fifth of the deformed area must visibly change, or the mask would mark a flat patch.
        if (visible < Math.Max(4, moved.Count / 5)) return mask;
        foreach (var (x, y, colour, newCoverage) in moved)
        {
            mask[y * n + x] = true;
            scene.Canvas[x, y] = colour;
            scene.Coverage[y * n + x] = newCoverage;
        }
        return mask;
    }

    private static float SampleBilinear(float[] plane, int n, float x, float y)
    {
        x = Math.Clamp(x, 0, n - 1);
        y = Math.Clamp(y, 0, n - 1);
        var (x0, y0) = ((int)x, (int)y);
        var (x1, y1) = (Math.Min(x0 + 1, n - 1), Math.Min(y0 + 1, n - 1));
        var (fx, fy) = (x - x0, y - y0);
        var top = plane[y0 * n + x0] * (1 - fx) + plane[y0 * n + x1] * fx;
        var bottom = plane[y1 * n + x0] * (1 - fx) + plane[y1 * n + x1] * fx;
        return top * (1 - fy) + bottom * fy;
    }
}
