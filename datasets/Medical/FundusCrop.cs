using AnomalyBench.Torch;
using F = AnomalyBench.Torch.torch.nn.functional;

namespace AnomalyBench.Datasets;

/// <summary>
/// ReContrast's <c>fundus_crop</c> (prepare_data/prepare_aptos.py), step by step:
/// <list type="number">
/// <item>foreground = sum of the three channels &gt; 30;</item>
/// <item>the largest 8-connected component (skimage <c>label</c> + <c>regionprops</c>; on a tie the
/// first in raster order, as Python's <c>max</c> keeps the first);</item>
/// <item>a square of side L = the longer side of its bounding box, centred on its centroid:
/// corners <c>int16(centroid ∓ L/2)</c> (truncation toward zero), widened by a 5-pixel margin,
/// zero-filled outside the image (<c>fill_crop</c>);</item>
/// <item><c>cv2.resize(..., (512, 512), INTER_LINEAR)</c>: bilinear with pixel centres, no
/// antialiasing (OpenCV rounds its fixed-point result; values here can differ by one grey level).</item>
/// </list>
/// </summary>
public static class FundusCrop
{
    public const int Threshold = 30;
    public const int Margin = 5;
    public const int OutputSize = 512;

    /// <summary>Crops a uint8 RGB image [3,H,W] to the fundus and resizes it to uint8 [3,size,size].</summary>
    public static Tensor Apply(Tensor rgb, int size = OutputSize, int margin = Margin)
    {
        var (height, width) = ((int)rgb.size(1), (int)rgb.size(2));
        var pixels = rgb.contiguous().data<byte>();
        var box = FindBox(pixels, height, width, margin);
        var cropped = FillCrop(pixels, height, width, box);
        var (boxHeight, boxWidth) = (box.Bottom - box.Top, box.Right - box.Left);
        using var crop = torch.from_array(cropped, [1, 3, boxHeight, boxWidth]);
        using var asFloat = crop.to(ScalarType.Float32);
        using var resized = F.interpolate(asFloat, [size, size], mode: "bilinear", align_corners: false);
        using var shifted = resized.add(0.5);
        using var rounded = shifted.floor();
        rounded.clamp_(0, 255);
        using var bytes = rounded.to(ScalarType.Byte);
        return bytes.squeeze(0);
    }

    /// <summary>The crop box (rows Top..Bottom, columns Left..Right, exclusive ends), margin included; may extend past the image.</summary>
    public readonly record struct Box(int Top, int Left, int Bottom, int Right);

    public static Box FindBox(byte[] planarRgb, int height, int width, int margin = Margin)
    {
        var n = height * width;
        var foreground = new bool[n];
        for (var i = 0; i < n; i++) foreground[i] = planarRgb[i] + planarRgb[n + i] + planarRgb[2 * n + i] > Threshold;
        var region = LargestComponent(foreground, height, width)
            ?? throw new InvalidDataException($"no pixel brighter than {Threshold} (sum of RGB): not a fundus photograph");
        var side = Math.Max(region.MaxRow - region.MinRow + 1, region.MaxColumn - region.MinColumn + 1);
        // np.array(centroid ∓ len / 2).astype('int16'): a C cast, truncating toward zero.
        var top = (short)(region.CentroidRow - side / 2.0);
        var left = (short)(region.CentroidColumn - side / 2.0);
        var bottom = (short)(region.CentroidRow + side / 2.0);
        var right = (short)(region.CentroidColumn + side / 2.0);
        return new Box(top - margin, left - margin, bottom + margin, right + margin);
    }

    private sealed record Region(int Area, int MinRow, int MinColumn, int MaxRow, int MaxColumn, double CentroidRow, double CentroidColumn);

    /// <summary>The largest 8-connected component; components are visited in raster order of their first pixel (skimage's label order).</summary>
    private static Region? LargestComponent(bool[] foreground, int height, int width)
    {
        var visited = new bool[foreground.Length];
        var stack = new Stack<int>();
        Region? best = null;
        for (var start = 0; start < foreground.Length; start++)
        {
            if (!foreground[start] || visited[start]) continue;
            visited[start] = true;
            stack.Push(start);
            int area = 0, minRow = int.MaxValue, minColumn = int.MaxValue, maxRow = -1, maxColumn = -1;
            long sumRow = 0, sumColumn = 0;
            while (stack.Count > 0)
            {
                var p = stack.Pop();
                var (row, column) = (p / width, p % width);
                area++;
                sumRow += row;
                sumColumn += column;
                minRow = Math.Min(minRow, row);
                maxRow = Math.Max(maxRow, row);
                minColumn = Math.Min(minColumn, column);
                maxColumn = Math.Max(maxColumn, column);
                for (var dr = -1; dr <= 1; dr++)
                {
                    var r = row + dr;
                    if (r < 0 || r >= height) continue;
                    for (var dc = -1; dc <= 1; dc++)
                    {
                        var c = column + dc;
                        if (c < 0 || c >= width) continue;
                        var q = r * width + c;
                        if (foreground[q] && !visited[q])
                        {
                            visited[q] = true;
                            stack.Push(q);
                        }
                    }
                }
            }
            if (best is null || area > best.Area)
                best = new Region(area, minRow, minColumn, maxRow, maxColumn, (double)sumRow / area, (double)sumColumn / area);
        }
        return best;
    }

    /// <summary>ReContrast's <c>fill_crop</c>: the box's pixels, zero where it lies outside the image. Planar [3, boxH, boxW].</summary>
    private static byte[] FillCrop(byte[] planarRgb, int height, int width, Box box)
    {
        var (h, w) = (box.Bottom - box.Top, box.Right - box.Left);
        if (h <= 0 || w <= 0) throw new InvalidDataException("empty fundus crop box");
        var result = new byte[3 * h * w];
        var n = height * width;
        for (var c = 0; c < 3; c++)
        {
            for (var y = Math.Max(0, box.Top); y < Math.Min(height, box.Bottom); y++)
            {
                var x0 = Math.Max(0, box.Left);
                var x1 = Math.Min(width, box.Right);
                if (x1 <= x0) continue;
                Array.Copy(planarRgb, c * n + y * width + x0, result, c * h * w + (y - box.Top) * w + (x0 - box.Left), x1 - x0);
            }
        }
        return result;
    }
}
