namespace AnomalyBench.Datasets;

/// <summary>
/// A rendered normal image before lighting and noise, with what the defect painters need:
/// the object's coverage (anti-aliased alpha; 1 everywhere for textures), its signed distance
/// in pixels (negative inside) and the background that shows where a piece is missing.
/// </summary>
internal sealed class Scene
{
    public Scene(int size, bool isObject)
    {
        Canvas = new Canvas(size);
        Coverage = new float[size * size];
        Distance = new float[size * size];
        IsObject = isObject;
        if (!isObject)
        {
            Array.Fill(Coverage, 1f);
            Array.Fill(Distance, float.NegativeInfinity);
        }
    }

    public Canvas Canvas { get; }

    public int Size => Canvas.Size;

    public float[] Coverage { get; }

    public float[] Distance { get; }

    public bool IsObject { get; }

    public Rgb Background { get; set; }

    /// <summary>A random pixel at least <paramref name="margin"/> px inside the object (anywhere away from the border for textures).</summary>
    public (float X, float Y) InteriorPoint(SyntheticRandom random, float margin)
    {
        var border = Math.Max(2, (int)(0.1f * Size));
        for (var attempt = 0; attempt < 10_000; attempt++)
        {
            var x = border + random.Next(Size - 2 * border);
            var y = border + random.Next(Size - 2 * border);
            if (Distance[y * Size + x] <= -margin) return (x, y);
        }
        throw new InvalidOperationException("no interior point: the object is too small for this image size");
    }

    /// <summary>A random pixel on the object's outline (|distance| &lt; 1 px), away from the image border.</summary>
    public (float X, float Y) OutlinePoint(SyntheticRandom random)
    {
        var border = Math.Max(2, (int)(0.06f * Size));
        for (var attempt = 0; attempt < 100_000; attempt++)
        {
            var x = border + random.Next(Size - 2 * border);
            var y = border + random.Next(Size - 2 * border);
            if (MathF.Abs(Distance[y * Size + x]) < 1f) return (x, y);
        }
        throw new InvalidOperationException("no outline point found");
    }
}
