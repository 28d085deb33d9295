namespace AnomalyBench.Tests.Metrics;

/// <summary>Small random pixel sets for tests: smooth-ish maps, blob masks on some images, optional quantisation for ties.</summary>
internal static class SyntheticSets
{
    public sealed record Set(List<float[]> Maps, List<byte[]> Masks, int Height, int Width)
    {
        public float[] FlatMaps => [.. Maps.SelectMany(m => m)];
        public byte[] FlatMasks => [.. Masks.SelectMany(m => m)];
    }

    /// <param name="levels">0 for continuous scores, else the number of distinct score levels (ties).</param>
    public static Set Create(int seed, int images, int height, int width, int levels = 0, double defectFraction = 0.5, bool diagonalScratches = true)
    {
        var rng = new Random(seed);
        var maps = new List<float[]>();
        var masks = new List<byte[]>();
        for (var i = 0; i < images; i++)
        {
            var mask = new byte[height * width];
            if (rng.NextDouble() < defectFraction)
            {
                var blobs = rng.Next(1, 4);
                for (var b = 0; b < blobs; b++)
                {
                    double cy = rng.Next(height), cx = rng.Next(width), ry = 1 + rng.NextDouble() * height / 6, rx = 1 + rng.NextDouble() * width / 6;
                    for (var y = 0; y < height; y++)
                        for (var x = 0; x < width; x++)
                            if (Math.Pow((y - cy) / ry, 2) + Math.Pow((x - cx) / rx, 2) <= 1) mask[y * width + x] = 1;
                }
                if (diagonalScratches && rng.NextDouble() < 0.5)
                {
                    // A 1-pixel diagonal line: one region under 8-connectivity, many under 4.
                    int y0 = rng.Next(height), x0 = rng.Next(width);
                    for (var k = 0; k < Math.Min(height, width) / 2; k++)
                    {
                        int y = y0 + k, x = x0 + k;
                        if (y < height && x < width) mask[y * width + x] = 1;
                    }
                }
            }
            var map = new float[height * width];
            var strength = rng.NextDouble() * 2;
            double phase = rng.NextDouble() * 6, freq = 0.1 + rng.NextDouble() * 0.3;
            for (var p = 0; p < map.Length; p++)
            {
                int y = p / width, x = p % width;
                var v = Math.Sin(freq * x + phase) * Math.Cos(freq * y) * 0.5 + rng.NextDouble() * 0.7 + mask[p] * strength * rng.NextDouble();
                if (levels > 0) v = Math.Round(v * levels / 3.0) / levels;
                map[p] = (float)v;
            }
            maps.Add(map);
            masks.Add(mask);
        }
        return new Set(maps, masks, height, width);
    }
}
