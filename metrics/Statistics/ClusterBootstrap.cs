namespace AnomalyBench.Metrics.Statistics;

/// <summary>A bootstrap confidence interval: the point estimate on the data as they are, the percentile interval, and how many replicates it rests on.</summary>
public sealed record BootstrapInterval(double Estimate, double Lower, double Upper, double Level, int Replicates, int Skipped, int Seed);

/// <summary>
/// The confidence interval of the pixel-level AUROC by a cluster bootstrap over images: pixels of one image are not
/// independent, so the resampling unit is the image (Efron and Tibshirani 1993, §8; the standard choice for
/// segmentation metrics). Each replicate draws the test images with replacement and recomputes the pooled-pixel
/// AUROC with every pixel of a drawn image counted as often as the image was drawn; the interval is the
/// percentile interval of the replicates (numpy's linear quantile). Replicates that drew no anomalous or no normal
/// pixel are skipped and counted. The draws come from a seeded generator, so an interval is reproducible.
/// </summary>
public static class ClusterBootstrap
{
    /// <summary>The pixel AUROC of <paramref name="set"/> and its cluster-bootstrap interval.</summary>
    public static BootstrapInterval PixelAuroc(PixelSet set, int replicates = 1000, int seed = 0, double level = 0.95)
    {
        ArgumentNullException.ThrowIfNull(set);
        if (replicates < 1) throw new ArgumentOutOfRangeException(nameof(replicates), replicates, "the bootstrap needs at least one replicate");
        if (!(level > 0 && level < 1)) throw new ArgumentOutOfRangeException(nameof(level), level, "the confidence level must be in (0, 1)");
        var table = WeightedPixels.Build(set);
        var images = set.Images.Count;
        var estimate = table.Auroc(Enumerable.Repeat(1, images).ToArray());
        if (double.IsNaN(estimate)) throw new ArgumentException("the pixel AUROC is undefined: the masks hold no anomalous or no normal pixel", nameof(set));

        // All draws first, from one generator, so that the parallel part cannot change them.
        var random = new Random(seed);
        var draws = new int[replicates][];
        for (var b = 0; b < replicates; b++)
        {
            var counts = new int[images];
            for (var i = 0; i < images; i++) counts[random.Next(images)]++;
            draws[b] = counts;
        }
        var values = new double[replicates];
        Parallel.For(0, replicates, b => values[b] = table.Auroc(draws[b]));
        var kept = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        if (kept.Length == 0) throw new ArgumentException("no bootstrap replicate held both anomalous and normal pixels", nameof(set));
        var alpha = (1 - level) / 2;
        return new BootstrapInterval(estimate, Quantile(kept, alpha), Quantile(kept, 1 - alpha), level, kept.Length, replicates - kept.Length, seed);
    }

    /// <summary>numpy's default (linear) quantile of sorted values.</summary>
    internal static double Quantile(double[] sorted, double q)
    {
        var position = q * (sorted.Length - 1);
        var low = (int)Math.Floor(position);
        var high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + (position - low) * (sorted[high] - sorted[low]);
    }

    /// <summary>
    /// Every pixel sorted once by score, compressed to runs of (tie group, image) with their normal and anomalous
    /// counts, so that a replicate is one pass over the runs with the images' draw counts as weights.
    /// </summary>
    private sealed class WeightedPixels
    {
        private readonly int[] _groupEnds;
        private readonly int[] _image;
        private readonly long[] _normal;
        private readonly long[] _anomalous;
        private readonly long[] _normalPerImage;
        private readonly long[] _anomalousPerImage;

        private WeightedPixels(int[] groupEnds, int[] image, long[] normal, long[] anomalous, long[] normalPerImage, long[] anomalousPerImage)
        {
            (_groupEnds, _image, _normal, _anomalous) = (groupEnds, image, normal, anomalous);
            (_normalPerImage, _anomalousPerImage) = (normalPerImage, anomalousPerImage);
        }

        public static WeightedPixels Build(PixelSet set)
        {
            set.Validate();
            if (set.Images.Count >= 1 << 30) throw new ArgumentException("too many images for the bootstrap", nameof(set));
            // Key: score (32 bits) | image (31 bits) | label (1 bit); one sort groups ties, then images, then labels.
            var entries = new ulong[set.PixelCount];
            var normalPerImage = new long[set.Images.Count];
            var anomalousPerImage = new long[set.Images.Count];
            long k = 0;
            for (var i = 0; i < set.Images.Count; i++)
            {
                var map = set.Images[i].Map.Span;
                var mask = set.Images[i].Mask.Span;
                for (var p = 0; p < map.Length; p++)
                {
                    entries[k++] = ((ulong)ScoreKey.FromScore(map[p]) << 32) | ((ulong)i << 1) | mask[p];
                    if (mask[p] == 1) anomalousPerImage[i]++;
                    else normalPerImage[i]++;
                }
            }
            Array.Sort(entries);

            var groupEnds = new List<int>();
            var image = new List<int>();
            var normal = new List<long>();
            var anomalous = new List<long>();
            for (var start = 0L; start < entries.Length;)
            {
                var end = start;
                var run = entries[start] >> 1;
                long n = 0, a = 0;
                while (end < entries.Length && entries[end] >> 1 == run)
                {
                    if ((entries[end] & 1) == 1) a++;
                    else n++;
                    end++;
                }
                image.Add((int)(run & 0x7FFF_FFFF));
                normal.Add(n);
                anomalous.Add(a);
                // A new score key ends the tie group.
                if (end == entries.Length || entries[end] >> 32 != entries[start] >> 32) groupEnds.Add(image.Count);
                start = end;
            }
            return new WeightedPixels(groupEnds.ToArray(), image.ToArray(), normal.ToArray(), anomalous.ToArray(), normalPerImage, anomalousPerImage);
        }

        /// <summary>The pooled-pixel AUROC with image i counted <paramref name="weights"/>[i] times (ties count ½); NaN without both classes.</summary>
        public double Auroc(int[] weights)
        {
            double totalNormal = 0, totalAnomalous = 0;
            for (var i = 0; i < weights.Length; i++)
            {
                totalNormal += (double)weights[i] * _normalPerImage[i];
                totalAnomalous += (double)weights[i] * _anomalousPerImage[i];
            }
            if (totalNormal == 0 || totalAnomalous == 0) return double.NaN;
            double normalBelow = 0, sum = 0;
            var run = 0;
            foreach (var end in _groupEnds)
            {
                double n = 0, a = 0;
                for (; run < end; run++)
                {
                    var w = weights[_image[run]];
                    n += (double)w * _normal[run];
                    a += (double)w * _anomalous[run];
                }
                sum += a * (normalBelow + 0.5 * n);
                normalBelow += n;
            }
            return sum / (totalNormal * totalAnomalous);
        }
    }
}
