namespace AnomalyBench.Datasets;

/// <summary>One synthetic category: how a normal image is drawn (with its random normal variation) and which defects it gets.</summary>
internal abstract class SyntheticCategory
{
    public abstract string Name { get; }

    /// <summary>Objects are a part on a plain background at a varying pose; textures fill the image.</summary>
    public abstract bool IsObject { get; }

    public IReadOnlyList<string> DefectTypes => IsObject ? SyntheticDefects.ObjectDefects : SyntheticDefects.TextureDefects;

    /// <summary>Draws a normal image: the pose, pattern and colours vary with <paramref name="random"/>.</summary>
    public abstract Scene Render(int size, SyntheticRandom random);

    protected static float Smoothstep(float edge0, float edge1, float x)
    {
        var t = Math.Clamp((x - edge0) / (edge1 - edge0), 0f, 1f);
        return t * t * (3 - 2 * t);
    }

    protected static float Fract(float x) => x - MathF.Floor(x);

    /// <summary>Anti-aliased coverage of a shape from its signed distance in pixels.</summary>
    protected static float CoverageOf(float signedDistance) => Math.Clamp(0.5f - signedDistance, 0f, 1f);

    /// <summary>Fills the object fields of a scene: background, surface colour and coverage from a signed distance function.</summary>
    protected static void DrawObject(Scene scene, Rgb background, Func<float, float, float> signedDistance, Func<float, float, Rgb> surface)
    {
        scene.Background = background;
        var s = scene.Size;
        for (var y = 0; y < s; y++)
        {
            for (var x = 0; x < s; x++)
            {
                var d = signedDistance(x + 0.5f, y + 0.5f);
                var a = CoverageOf(d);
                scene.Distance[y * s + x] = d;
                scene.Coverage[y * s + x] = a;
                scene.Canvas[x, y] = a <= 0 ? background : Rgb.Lerp(background, surface(x + 0.5f, y + 0.5f), a);
            }
        }
    }
}
