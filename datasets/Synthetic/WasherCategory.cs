namespace AnomalyBench.Datasets;

/// <summary>
/// A round part (a flange washer): a machined metal ring with a centre bore, four bolt holes and
/// a key notch on its rim, on a plain dark background. Normal variation: position (±8 % of the
/// image), any rotation, size (±3 %), the brushed-metal highlight, the background tone.
/// </summary>
internal sealed class WasherCategory : SyntheticCategory
{
    public override string Name => "washer";

    public override bool IsObject => true;

    public override Scene Render(int size, SyntheticRandom random)
    {
        var scene = new Scene(size, isObject: true);
        var s = (float)size;
        var cx = s * (0.5f + random.Uniform(-0.08f, 0.08f));
        var cy = s * (0.5f + random.Uniform(-0.08f, 0.08f));
        var rotation = random.Uniform(0f, 2 * MathF.PI);
        var scale = random.Uniform(0.97f, 1.03f);
        var outer = 0.30f * s * scale;
        var bore = 0.11f * s * scale;
        var boltRadius = 0.035f * s * scale;
        var boltCircle = 0.205f * s * scale;
        var notchHalfWidth = 0.03f * s * scale;
        var notchDepth = 0.045f * s * scale;
        var metal = new Rgb(0.64f, 0.65f, 0.67f).Jitter(random, 0.03f);
        var background = new Rgb(0.20f, 0.22f, 0.26f).Jitter(random, 0.08f);
        var highlight = random.Uniform(0f, MathF.PI);
        var bolts = Enumerable.Range(0, 4).Select(k => (
            X: cx + boltCircle * MathF.Cos(rotation + k * MathF.PI / 2),
            Y: cy + boltCircle * MathF.Sin(rotation + k * MathF.PI / 2))).ToArray();
        var notchAngle = rotation + MathF.PI / 4;
        // Machining rings no finer than 3 px: finer ones would alias into moiré at small sizes.
        var ringPitch = MathF.Max(3f, 0.018f * s);
        var (nx, ny) = (MathF.Cos(notchAngle), MathF.Sin(notchAngle));

        float Distance(float x, float y)
        {
            var dx = x - cx;
            var dy = y - cy;
            var r = MathF.Sqrt(dx * dx + dy * dy);
            var d = MathF.Max(r - outer, bore - r);
            foreach (var (bx, by) in bolts)
                d = MathF.Max(d, boltRadius - MathF.Sqrt((x - bx) * (x - bx) + (y - by) * (y - by)));
            // The notch: a box cut into the rim along the notch direction.
            var along = dx * nx + dy * ny - (outer - notchDepth);
            var across = MathF.Abs(-dx * ny + dy * nx) - notchHalfWidth;
            var box = MathF.Max(-along, across);
            return MathF.Max(d, -box);
        }

        Rgb Surface(float x, float y)
        {
            var dx = x - cx;
            var dy = y - cy;
            var r = MathF.Sqrt(dx * dx + dy * dy);
            var theta = MathF.Atan2(dy, dx);
            // Brushed metal: an anisotropic highlight across the part, and fine machining rings.
            var shine = 0.88f + 0.16f * MathF.Cos(2 * (theta - highlight));
            var rings = 0.025f * MathF.Sin(2 * MathF.PI * r / ringPitch);
            var bevel = 0.9f + 0.1f * Math.Clamp(MathF.Min(outer - r, r - bore) / (0.02f * s), 0f, 1f);
            return metal * ((shine + rings) * bevel);
        }

        DrawObject(scene, background, Distance, Surface);
        return scene;
    }
}
