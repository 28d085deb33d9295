using AnomalyBench.Metrics;

namespace AnomalyBench.Benchmarks;

/// <summary>
/// A seeded stand-in for a full MVTec AD test set at 256x256 (1725 images, 1258 defective;
/// ~113 M pixels): smooth random anomaly maps (a coarse random grid, bilinearly upsampled,
/// plus pixel noise), blob-shaped defect masks (1–3 blobs with wavy outlines, radii 3–40 px)
/// on the defective images, a defect response of random strength inside each blob (some weak,
/// so the metrics are realistic rather than perfect) and occasional false-positive hot spots.
/// Each image draws from its own seed, so the set is the same whatever the thread count.
/// </summary>
public sealed class SyntheticPixelSet
{
    public SyntheticPixelSet(int images = 1725, int defective = 1258, int size = 256, int seed = 2026)
    {
        Count = images;
        Size = size;
        var n = size * size;
        Maps = GC.AllocateUninitializedArray<float>(images * n);
        Masks = new byte[images * n];
        Parallel.For(0, images, i =>
        {
            var rng = new Random(seed * 100_003 + i);
            var map = Maps.AsSpan(i * n, n);
            var mask = Masks.AsSpan(i * n, n);
            Background(rng, map, size);
            // Spread the defective images over the set, as the categories interleave good and bad.
            var isDefective = (long)i * defective / images != (long)(i + 1) * defective / images;
            if (isDefective)
            {
                var blobs = rng.Next(1, 4);
                for (var b = 0; b < blobs; b++) Blob(rng, map, mask, size, defect: true);
            }
            if (rng.NextDouble() < 0.3) Blob(rng, map, mask, size, defect: false);
        });
    }

    public int Count { get; }
    public int Size { get; }
    public float[] Maps { get; }
    public byte[] Masks { get; }

    public PixelSet ToPixelSet() => PixelSet.FromContiguous(Maps, Masks, Count, Size, Size);

    private static void Background(Random rng, Span<float> map, int size)
    {
        const int grid = 9;
        var coarse = new float[grid * grid];
        for (var k = 0; k < coarse.Length; k++) coarse[k] = (float)rng.NextDouble();
        var scale = (grid - 1f) / (size - 1);
        for (var y = 0; y < size; y++)
        {
            var gy = y * scale;
            var y0 = Math.Min((int)gy, grid - 2);
            var fy = gy - y0;
            for (var x = 0; x < size; x++)
            {
                var gx = x * scale;
                var x0 = Math.Min((int)gx, grid - 2);
                var fx = gx - x0;
                var top = coarse[y0 * grid + x0] * (1 - fx) + coarse[y0 * grid + x0 + 1] * fx;
                var bottom = coarse[(y0 + 1) * grid + x0] * (1 - fx) + coarse[(y0 + 1) * grid + x0 + 1] * fx;
                map[y * size + x] = 0.3f * (top * (1 - fy) + bottom * fy) + 0.05f * rng.NextSingle();
            }
        }
    }

    private static void Blob(Random rng, Span<float> map, Span<byte> mask, int size, bool defect)
    {
        double cy = rng.Next(size), cx = rng.Next(size);
        var radius = 3 + rng.NextDouble() * 37;
        var lobes = rng.Next(2, 6);
        var phase = rng.NextDouble() * Math.PI * 2;
        var wobble = 0.15 + rng.NextDouble() * 0.25;
        // Defects: strength from barely visible to obvious; hot spots on normal texture: mild.
        var strength = (float)(defect ? 0.05 + rng.NextDouble() * 0.6 : 0.1 + rng.NextDouble() * 0.2);
        var reach = (int)Math.Ceiling(radius * (1 + wobble)) + 1;
        for (var y = Math.Max(0, (int)cy - reach); y < Math.Min(size, (int)cy + reach); y++)
            for (var x = Math.Max(0, (int)cx - reach); x < Math.Min(size, (int)cx + reach); x++)
            {
                double dy = y - cy, dx = x - cx;
                var r = Math.Sqrt(dx * dx + dy * dy);
                var edge = radius * (1 + wobble * Math.Sin(lobes * Math.Atan2(dy, dx) + phase));
                if (r > edge) continue;
                var i = y * size + x;
                if (defect) mask[i] = 1;
                map[i] += strength * (float)(1 - 0.5 * r / edge) + 0.05f * rng.NextSingle();
            }
    }
}
