namespace AnomalyBench.Datasets;

/// <summary>
/// Wood grain: growth rings seen edge-on as wavy vertical bands, dark late wood on light early
/// wood, with fine fibre streaks. Normal variation: rotation (±6°), ring spacing, the waviness
/// (three random low-frequency waves), the ring phase, the tone.
/// </summary>
internal sealed class WoodCategory : SyntheticCategory
{
    public override string Name => "wood";

    public override bool IsObject => false;

    public override Scene Render(int size, SyntheticRandom random)
    {
        var scene = new Scene(size, isObject: false);
        var angle = random.Uniform(-6f, 6f) * MathF.PI / 180f;
        var (cos, sin) = (MathF.Cos(angle), MathF.Sin(angle));
        var rings = random.Uniform(6.5f, 8f);
        var phase = random.Uniform(0f, 1f);
        var waves = Enumerable.Range(0, 3).Select(_ => (
            Fx: random.Uniform(0.3f, 1.2f), Fy: random.Uniform(0.5f, 2f),
            Amplitude: random.Uniform(0.008f, 0.025f), Phase: random.Uniform(0f, 2 * MathF.PI))).ToArray();
        // Fibre streaks no finer than 4 px (aliasing at small sizes).
        var fibres = MathF.Min(55f, size / 4f);
        var light = new Rgb(0.80f, 0.62f, 0.42f).Jitter(random, 0.03f);
        var dark = new Rgb(0.50f, 0.32f, 0.17f).Jitter(random, 0.03f);
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var u = (x + 0.5f) / size - 0.5f;
                var v = (y + 0.5f) / size - 0.5f;
                var ur = cos * u + sin * v;
                var vr = -sin * u + cos * v;
                var turbulence = 0f;
                foreach (var w in waves) turbulence += w.Amplitude * MathF.Sin(2 * MathF.PI * (w.Fx * ur + w.Fy * vr) + w.Phase);
                var r = Fract(rings * (ur + turbulence) + phase);
                var late = MathF.Pow(0.5f + 0.5f * MathF.Cos(2 * MathF.PI * r), 4f);
                var fibre = 0.04f * MathF.Sin(2 * MathF.PI * (fibres * (ur + 0.5f * turbulence))) * MathF.Sin(2 * MathF.PI * 3f * vr + 1.3f);
                scene.Canvas[x, y] = Rgb.Lerp(light, dark, 0.85f * late) * (1f + fibre);
            }
        }
        return scene;
    }
}
