using AnomalyBench.Datasets;
using AnomalyBench.Torch;

namespace AnomalyBench.Tests.Methods.PatchCore;

/// <summary>
/// The official PatchCore steps written out as plain loops over double arrays, from the PyTorch
/// definitions (not from the code under test): Unfold with zero padding, bilinear interpolation with
/// align_corners=False, adaptive_avg_pool1d, squared L2 distances.
/// </summary>
internal static class PatchCoreReference
{
    /// <summary>A feature map [B,C,H,W] as nested arrays, values from a seeded generator.</summary>
    /// <summary>The pre-processed images of <paramref name="samples"/> as one batch on the CPU (a new tensor the caller disposes).</summary>
    public static Tensor Images(IReadOnlyList<Sample> samples, Preprocessing preprocessing)
    {
        using var loader = new DataLoader(samples, preprocessing, Device.CPU, new LoaderOptions(BatchSize: samples.Count));
        foreach (var batch in loader) return batch.Images.clone();
        throw new ArgumentException("no samples", nameof(samples));
    }

    public static double[,,,] RandomMap(Random random, int b, int c, int h, int w)
    {
        var map = new double[b, c, h, w];
        for (var i = 0; i < b; i++)
            for (var j = 0; j < c; j++)
                for (var y = 0; y < h; y++)
                    for (var x = 0; x < w; x++)
                        map[i, j, y, x] = Math.Round(random.NextDouble() * 4 - 2, 3);
        return map;
    }

    public static Tensor ToTensor(double[,,,] map)
    {
        var (b, c, h, w) = (map.GetLength(0), map.GetLength(1), map.GetLength(2), map.GetLength(3));
        var flat = new float[b * c * h * w];
        var k = 0;
        foreach (var v in map) flat[k++] = (float)v;
        return torch.from_array(flat, [b, c, h, w]);
    }

    /// <summary>Unfold(p, stride 1, padding (p−1)/2): patches[b, c·p·p + dy·p + dx, y, x] = map[b, c, y+dy−r, x+dx−r] or 0 outside.</summary>
    public static double[,,,] Unfold(double[,,,] map, int p)
    {
        var (b, c, h, w) = (map.GetLength(0), map.GetLength(1), map.GetLength(2), map.GetLength(3));
        var r = (p - 1) / 2;
        var result = new double[b, c * p * p, h, w];
        for (var i = 0; i < b; i++)
            for (var j = 0; j < c; j++)
                for (var dy = 0; dy < p; dy++)
                    for (var dx = 0; dx < p; dx++)
                        for (var y = 0; y < h; y++)
                            for (var x = 0; x < w; x++)
                            {
                                var (sy, sx) = (y + dy - r, x + dx - r);
                                result[i, j * p * p + dy * p + dx, y, x] = sy >= 0 && sy < h && sx >= 0 && sx < w ? map[i, j, sy, sx] : 0;
                            }
        return result;
    }

    /// <summary>F.interpolate(mode="bilinear", align_corners=False) of every [b, c] image to outH×outW.</summary>
    public static double[,,,] Bilinear(double[,,,] map, int outH, int outW)
    {
        var (b, c, h, w) = (map.GetLength(0), map.GetLength(1), map.GetLength(2), map.GetLength(3));
        var result = new double[b, c, outH, outW];
        for (var y = 0; y < outH; y++)
        {
            var (y0, y1, ly) = Source(y, h, outH);
            for (var x = 0; x < outW; x++)
            {
                var (x0, x1, lx) = Source(x, w, outW);
                for (var i = 0; i < b; i++)
                    for (var j = 0; j < c; j++)
                        result[i, j, y, x] = (1 - ly) * ((1 - lx) * map[i, j, y0, x0] + lx * map[i, j, y0, x1])
                                             + ly * ((1 - lx) * map[i, j, y1, x0] + lx * map[i, j, y1, x1]);
            }
        }
        return result;
    }

    // PyTorch's area_pixel_compute_source_index for linear modes: (dst + 0.5)·in/out − 0.5, clamped at 0.
    private static (int I0, int I1, double Lambda) Source(int dst, int inSize, int outSize)
    {
        var src = Math.Max(0, (dst + 0.5) * inSize / outSize - 0.5);
        var i0 = Math.Min((int)Math.Floor(src), inSize - 1);
        var i1 = Math.Min(i0 + 1, inSize - 1);
        return (i0, i1, src - i0);
    }

    /// <summary>adaptive_avg_pool1d: output i is the mean of elements [⌊i·L/D⌋, ⌈(i+1)·L/D⌉).</summary>
    public static double[] AdaptiveAvgPool1d(double[] values, int d)
    {
        var l = values.Length;
        var result = new double[d];
        for (var i = 0; i < d; i++)
        {
            var start = (int)Math.Floor((double)i * l / d);
            var end = (int)Math.Ceiling((double)(i + 1) * l / d);
            double sum = 0;
            for (var k = start; k < end; k++) sum += values[k];
            result[i] = sum / (end - start);
        }
        return result;
    }

    /// <summary>The official embedding of every patch: rows [b·H·W + y·W + x][target].</summary>
    public static double[][] Embed(IReadOnlyList<double[,,,]> maps, int p, int pretrain, int target)
    {
        var (b, h, w) = (maps[0].GetLength(0), maps[0].GetLength(2), maps[0].GetLength(3));
        var layers = maps.Select(m =>
        {
            var patches = Unfold(m, p);
            return patches.GetLength(2) == h && patches.GetLength(3) == w ? patches : Bilinear(patches, h, w);
        }).ToList();
        var rows = new double[b * h * w][];
        for (var i = 0; i < b; i++)
            for (var y = 0; y < h; y++)
                for (var x = 0; x < w; x++)
                {
                    var joined = new List<double>();
                    foreach (var layer in layers)
                    {
                        var vector = new double[layer.GetLength(1)];
                        for (var k = 0; k < vector.Length; k++) vector[k] = layer[i, k, y, x];
                        joined.AddRange(AdaptiveAvgPool1d(vector, pretrain));
                    }
                    rows[(i * h + y) * w + x] = AdaptiveAvgPool1d(joined.ToArray(), target);
                }
        return rows;
    }

    public static double SquaredDistance(double[] a, double[] b)
    {
        double s = 0;
        for (var k = 0; k < a.Length; k++) s += (a[k] - b[k]) * (a[k] - b[k]);
        return s;
    }

    public static double[][] RandomRows(Random random, int n, int d, double scale = 1) =>
        Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, d).Select(_ => (random.NextDouble() * 2 - 1) * scale).ToArray()).ToArray();

    public static Tensor ToTensor(double[][] rows, Device? device = null) =>
        torch.from_array(rows.SelectMany(r => r.Select(v => (float)v)).ToArray(), [rows.Length, rows[0].Length], device);

    public static double[][] Rows(Tensor t)
    {
        using var d = t.to(Device.CPU, ScalarType.Float64);
        using var c = d.contiguous();
        var flat = c.data<double>();
        var (n, m) = ((int)t.size(0), (int)t.size(1));
        return Enumerable.Range(0, n).Select(i => flat.AsSpan(i * m, m).ToArray()).ToArray();
    }

    /// <summary>The native tensor count after collecting garbage, so that other tests' finalizers do not shift it.</summary>
    public static long LiveTensors()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return Tensor.LiveCount;
    }
}
