namespace AnomalyBench.Datasets;

/// <summary>
/// A pill: an off-white capsule-shaped tablet with a score line across its middle and a few
/// red-brown speckles (as MVTec AD's pill), on a dark background. Normal variation: position
/// (±6 %), rotation (±25°), the number and places of the speckles, the tint, the background.
/// </summary>
internal sealed class PillCategory : SyntheticCategory
{
    public override string Name => "pill";

    public override bool IsObject => true;

    public override Scene Render(int size, SyntheticRandom random)
    {
        var scene = new Scene(size, isObject: true);
        var s = (float)size;
        var cx = s * (0.5f + random.Uniform(-0.06f, 0.06f));
        var cy = s * (0.5f + random.Uniform(-0.06f, 0.06f));
        var angle = random.Uniform(-25f, 25f) * MathF.PI / 180f;
        var (ax, ay) = (MathF.Cos(angle), MathF.Sin(angle));
        var halfLength = 0.25f * s;
        var radius = 0.14f * s;
        var groove = Math.Max(0.8f, 0.008f * s);
        var body = new Rgb(0.88f, 0.85f, 0.79f).Jitter(random, 0.02f);
        var background = new Rgb(0.17f, 0.18f, 0.22f).Jitter(random, 0.08f);
        var speckleColour = new Rgb(0.74f, 0.42f, 0.36f);
        var speckles = new List<(float U, float V, float R)>();
        var count = 5 + random.Next(9);
        while (speckles.Count < count)
        {
            // In the pill's own frame: u along the axis, v across.
            var u = random.Uniform(-halfLength - radius, halfLength + radius);
            var v = random.Uniform(-radius, radius);
            var inside = MathF.Sqrt(MathF.Pow(MathF.Max(MathF.Abs(u) - halfLength, 0f), 2) + v * v) < radius * 0.8f;
            if (inside) speckles.Add((u, v, random.Uniform(0.006f, 0.012f) * s));
        }

        (float U, float V) Frame(float x, float y)
        {
            var dx = x - cx;
            var dy = y - cy;
            return (dx * ax + dy * ay, -dx * ay + dy * ax);
        }

        float Distance(float x, float y)
        {
            var (u, v) = Frame(x, y);
            var along = MathF.Max(MathF.Abs(u) - halfLength, 0f);
            return MathF.Sqrt(along * along + v * v) - radius;
        }

        Rgb Surface(float x, float y)
        {
            var (u, v) = Frame(x, y);
            var along = MathF.Max(MathF.Abs(u) - halfLength, 0f);
            var axis = MathF.Sqrt(along * along + v * v) / radius;
            var shade = 0.78f + 0.22f * MathF.Sqrt(MathF.Max(0f, 1f - axis * axis));
            var colour = body * shade;
            if (MathF.Abs(u) < groove && axis < 0.85f) colour *= 0.8f;
            foreach (var (su, sv, sr) in speckles)
            {
                var d = MathF.Sqrt((u - su) * (u - su) + (v - sv) * (v - sv));
                if (d < sr) colour = Rgb.Lerp(colour, speckleColour * shade, Math.Clamp(sr - d, 0f, 1f));
            }
            return colour;
        }

        DrawObject(scene, background, Distance, Surface);
        return scene;
    }
}
