namespace AnomalyBench.Datasets;

/// <summary>
/// A tiled grid: square ceramic tiles with grout lines and bevelled edges, each tile a slightly
/// different shade, with a faint mottling. Normal variation: the grid's offset, a small
/// rotation (±1.5°), the tile shades, the mottling, the glaze colour.
/// </summary>
internal sealed class TileCategory : SyntheticCategory
{
    public override string Name => "tile";

    public override bool IsObject => false;

    public override Scene Render(int size, SyntheticRandom random)
    {
        var scene = new Scene(size, isObject: false);
        var tile = size / 4f;
        var grout = Math.Max(1.5f, size / 48f);
        var bevel = Math.Max(1.5f, size / 40f);
        var angle = random.Uniform(-1.5f, 1.5f) * MathF.PI / 180f;
        var (cos, sin) = (MathF.Cos(angle), MathF.Sin(angle));
        var offsetX = random.Uniform(0f, tile);
        var offsetY = random.Uniform(0f, tile);
        var glaze = new Rgb(0.80f, 0.78f, 0.72f).Jitter(random, 0.03f);
        var groutColour = new Rgb(0.40f, 0.39f, 0.37f).Jitter(random, 0.04f);
        var shades = Enumerable.Range(0, 64).Select(_ => random.Uniform(0.93f, 1.07f)).ToArray();
        var mottle = Enumerable.Range(0, 4).Select(_ => (
            Fx: random.Uniform(2f, 9f), Fy: random.Uniform(2f, 9f), Phase: random.Uniform(0f, 2 * MathF.PI))).ToArray();
        var c = size / 2f;
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var dx = x + 0.5f - c;
                var dy = y + 0.5f - c;
                var a = cos * dx + sin * dy + offsetX;
                var b = -sin * dx + cos * dy + offsetY;
                var i = (int)MathF.Floor(a / tile);
                var j = (int)MathF.Floor(b / tile);
                var fa = a - i * tile;
                var fb = b - j * tile;
                // Distance to the nearest tile edge, in pixels.
                var edge = MathF.Min(MathF.Min(fa, tile - fa), MathF.Min(fb, tile - fb));
                var texture = 0f;
                foreach (var m in mottle) texture += 0.012f * MathF.Sin(m.Fx * a / size * 2 * MathF.PI + m.Phase) * MathF.Sin(m.Fy * b / size * 2 * MathF.PI);
                var shade = shades[(((i * 7 + j * 13) % 64) + 64) % 64];
                var surface = glaze * (shade * (0.86f + 0.14f * Smoothstep(grout / 2, grout / 2 + bevel, edge)) + texture);
                scene.Canvas[x, y] = Rgb.Lerp(groutColour, surface, Smoothstep(grout / 2 - 0.7f, grout / 2 + 0.7f, edge));
            }
        }
        return scene;
    }
}
