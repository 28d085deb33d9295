using AnomalyBench.Torch;

namespace AnomalyBench.Datasets;

/// <summary>A square RGB float image, planar [3,S,S], values nominally in [0,1], for the synthetic renderer.</summary>
internal sealed class Canvas
{
    public Canvas(int size)
    {
        Size = size;
        Pixels = new float[3 * size * size];
    }

    public int Size { get; }

    /// <summary>Planar: red plane, green plane, blue plane, rows top to bottom.</summary>
    public float[] Pixels { get; }

    private int Plane => Size * Size;

    public Rgb this[int x, int y]
    {
        get
        {
            var i = y * Size + x;
            return new Rgb(Pixels[i], Pixels[Plane + i], Pixels[2 * Plane + i]);
        }
        set
        {
            var i = y * Size + x;
            Pixels[i] = value.R;
            Pixels[Plane + i] = value.G;
            Pixels[2 * Plane + i] = value.B;
        }
    }

    public Canvas Clone()
    {
        var copy = new Canvas(Size);
        Pixels.CopyTo(copy.Pixels, 0);
        return copy;
    }

    /// <summary>Bilinear sample at a pixel-centre coordinate (x, y), clamped at the borders.</summary>
    public Rgb Sample(float x, float y)
    {
        x = Math.Clamp(x, 0, Size - 1);
        y = Math.Clamp(y, 0, Size - 1);
        var x0 = (int)x;
        var y0 = (int)y;
        var x1 = Math.Min(x0 + 1, Size - 1);
        var y1 = Math.Min(y0 + 1, Size - 1);
        var fx = x - x0;
        var fy = y - y0;
        var top = Rgb.Lerp(this[x0, y0], this[x1, y0], fx);
        var bottom = Rgb.Lerp(this[x0, y1], this[x1, y1], fx);
        return Rgb.Lerp(top, bottom, fy);
    }

    /// <summary>Rounds to 8 bits (clamped) as a uint8 tensor [3,S,S].</summary>
    public Tensor ToTensor()
    {
        var bytes = new byte[Pixels.Length];
        for (var i = 0; i < bytes.Length; i++) bytes[i] = (byte)Math.Clamp(MathF.Round(Pixels[i] * 255f), 0f, 255f);
        return torch.from_array(bytes, [3, Size, Size]);
    }
}
