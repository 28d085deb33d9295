using AnomalyBench.Torch;

namespace AnomalyBench.Harness.Reports.Heatmaps;

/// <summary>An RGB picture being composed (channel-planar, as the bridge's PNG encoder takes uint8 [3,H,W]).</summary>
public sealed class RgbImage
{
    public RgbImage(int width, int height, (byte R, byte G, byte B) background)
    {
        Width = width;
        Height = height;
        Pixels = new byte[3 * width * height];
        Fill(0, 0, width, height, background);
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>[3, H, W] row-major.</summary>
    public byte[] Pixels { get; }

    public (byte R, byte G, byte B) this[int x, int y]
    {
        get
        {
            var i = y * Width + x;
            var plane = Width * Height;
            return (Pixels[i], Pixels[plane + i], Pixels[2 * plane + i]);
        }
        set
        {
            if (x < 0 || y < 0 || x >= Width || y >= Height) return;
            var i = y * Width + x;
            var plane = Width * Height;
            (Pixels[i], Pixels[plane + i], Pixels[2 * plane + i]) = value;
        }
    }

    public void Fill(int x, int y, int width, int height, (byte R, byte G, byte B) color)
    {
        for (var j = y; j < y + height; j++)
            for (var i = x; i < x + width; i++)
                this[i, j] = color;
    }

    /// <summary>Copies a uint8 RGB picture [3, h, w] (values in <paramref name="chw"/>) with its top-left corner at (x, y).</summary>
    public void Draw(byte[] chw, int width, int height, int x, int y)
    {
        var plane = width * height;
        for (var j = 0; j < height; j++)
            for (var i = 0; i < width; i++)
                this[x + i, y + j] = (chw[j * width + i], chw[plane + j * width + i], chw[2 * plane + j * width + i]);
    }

    /// <summary>Writes <paramref name="text"/> in the bitmap font with its top-left corner at (x, y).</summary>
    public void Text(string text, int x, int y, int scale, (byte R, byte G, byte B) color)
    {
        for (var k = 0; k < text.Length; k++)
            for (var gy = 0; gy < BitmapFont.GlyphHeight; gy++)
                for (var gx = 0; gx < BitmapFont.GlyphWidth; gx++)
                    if (BitmapFont.Ink(text[k], gx, gy))
                        Fill(x + (k * BitmapFont.Advance + gx) * scale, y + gy * scale, scale, scale, color);
    }

    public byte[] EncodePng()
    {
        using var image = torch.from_array(Pixels, [3, Height, Width]);
        return torchvision.io.encode_png(image);
    }
}
