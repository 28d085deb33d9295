using AnomalyBench.Torch;
using static AnomalyBench.Torch.torchvision.io;

namespace AnomalyBench.Tests.Datasets;

/// <summary>A throw-away folder under the system temp directory for building tiny data set trees; deleted on dispose.</summary>
public sealed class TempTree : IDisposable
{
    public TempTree(string prefix = "anomalybench-datasets-")
    {
        Root = Directory.CreateTempSubdirectory(prefix).FullName;
    }

    public string Root { get; }

    public string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    /// <summary>Writes a PNG of the given size filled with one RGB colour (or grey when <paramref name="channels"/> is 1).</summary>
    public string Png(string relative, int width = 8, int height = 8, byte value = 128, int channels = 3)
    {
        var path = Path(relative);
        using var image = torch.full([channels, height, width], value, ScalarType.Byte);
        write_png(image, path);
        return path;
    }

    /// <summary>Writes a single-channel mask with a filled rectangle of <paramref name="value"/> (x, y, w, h) on zeros.</summary>
    public string Mask(string relative, int width = 8, int height = 8, (int X, int Y, int W, int H)? box = null, byte value = 255)
    {
        var (bx, by, bw, bh) = box ?? (2, 2, 3, 3);
        var pixels = new byte[width * height];
        for (var y = by; y < by + bh; y++)
            for (var x = bx; x < bx + bw; x++) pixels[y * width + x] = value;
        var path = Path(relative);
        using var mask = torch.from_array(pixels, [1, height, width]);
        write_png(mask, path);
        return path;
    }

    /// <summary>Writes a 24-bit uncompressed BMP filled with one colour (BTAD's products 01 and 03 are BMP).</summary>
    public string Bmp(string relative, int width = 8, int height = 8, byte value = 100)
    {
        var stride = (width * 3 + 3) / 4 * 4;
        var pixels = new byte[stride * height];
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width * 3; x++) pixels[y * stride + x] = value;
        var header = new byte[54];
        void Put(int offset, int v) => BitConverter.GetBytes(v).CopyTo(header, offset);
        header[0] = (byte)'B';
        header[1] = (byte)'M';
        Put(2, 54 + pixels.Length);
        Put(10, 54);
        Put(14, 40);
        Put(18, width);
        Put(22, height);
        BitConverter.GetBytes((short)1).CopyTo(header, 26);
        BitConverter.GetBytes((short)24).CopyTo(header, 28);
        Put(34, pixels.Length);
        return Bytes(relative, [.. header, .. pixels]);
    }

    public string Text(string relative, string text)
    {
        var path = Path(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public string Bytes(string relative, byte[] bytes)
    {
        var path = Path(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>A tiny MVTec AD category: 3 training images, 2 good and 2 'broken' test images with masks.</summary>
    public void MVTecCategory(string category, int size = 8)
    {
        for (var i = 0; i < 3; i++) Png($"{category}/train/good/{i:D3}.png", size, size, (byte)(100 + i));
        for (var i = 0; i < 2; i++) Png($"{category}/test/good/{i:D3}.png", size, size, 120);
        for (var i = 0; i < 2; i++)
        {
            Png($"{category}/test/broken/{i:D3}.png", size, size, 140);
            Mask($"{category}/ground_truth/broken/{i:D3}_mask.png", size, size);
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
    }
}
