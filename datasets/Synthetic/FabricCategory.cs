namespace AnomalyBench.Datasets;

/// <summary>
/// Woven fabric: a plain weave of blue warp threads (vertical) and lighter weft threads
/// (horizontal), each crossing over then under the next. Normal variation: a small rotation,
/// the phase of the weave, the thread pitch (±3 %), per-thread brightness, the dye.
/// </summary>
internal sealed class FabricCategory : SyntheticCategory
{
    public override string Name => "fabric";

    public override bool IsObject => false;

    public override Scene Render(int size, SyntheticRandom random)
    {
        var scene = new Scene(size, isObject: false);
        var pitch = size / 12f * random.Uniform(0.97f, 1.03f);
        var angle = random.Uniform(-4f, 4f) * MathF.PI / 180f;
        var (cos, sin) = (MathF.Cos(angle), MathF.Sin(angle));
        var phaseX = random.Uniform(0f, 2f);
        var phaseY = random.Uniform(0f, 2f);
        var warp = new Rgb(0.24f, 0.33f, 0.62f).Jitter(random, 0.04f);
        var weft = new Rgb(0.62f, 0.66f, 0.78f).Jitter(random, 0.04f);
        var threads = 64;
        var warpGain = Enumerable.Range(0, threads).Select(_ => random.Uniform(0.9f, 1.1f)).ToArray();
        var weftGain = Enumerable.Range(0, threads).Select(_ => random.Uniform(0.9f, 1.1f)).ToArray();
        var gap = new Rgb(0.08f, 0.09f, 0.14f);
        var c = size / 2f;
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var dx = x + 0.5f - c;
                var dy = y + 0.5f - c;
                var a = (cos * dx + sin * dy) / pitch + phaseX;
                var b = (-sin * dx + cos * dy) / pitch + phaseY;
                var i = (int)MathF.Floor(a);
                var j = (int)MathF.Floor(b);
                var fa = a - i;
                var fb = b - j;
                // Across a thread: bright in the middle, dark at its edges; along it: an arc over the crossing thread.
                var warpShade = MathF.Pow(MathF.Sin(MathF.PI * fa), 0.6f) * (0.7f + 0.3f * MathF.Sin(MathF.PI * fb));
                var weftShade = MathF.Pow(MathF.Sin(MathF.PI * fb), 0.6f) * (0.7f + 0.3f * MathF.Sin(MathF.PI * fa));
                var warpColour = warp * (warpShade * warpGain[((i % threads) + threads) % threads]);
                var weftColour = weft * (weftShade * weftGain[((j % threads) + threads) % threads]);
                var warpOnTop = ((i + j) & 1) == 0;
                var top = warpOnTop ? warpColour : weftColour;
                var under = warpOnTop ? weftColour : warpColour;
                var topShade = warpOnTop ? warpShade : weftShade;
                scene.Canvas[x, y] = Rgb.Lerp(Rgb.Lerp(gap, under * 0.7f, 0.8f), top, Smoothstep(0.15f, 0.45f, topShade));
            }
        }
        return scene;
    }
}
