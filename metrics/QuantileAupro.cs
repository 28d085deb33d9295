namespace AnomalyBench.Metrics;

/// <summary>
/// Approximate AUPRO by the MVTec 3D-AD method (<c>au_pro_util.compute_pro</c>): sort the
/// normal-pixel scores, take K thresholds at equally spaced positions of that order
/// (<c>np.linspace(0, n - 1, K, dtype=int)</c>), give each the FPR 1 − (pos + 1)/n and the PRO
/// of region pixels scoring strictly above it, prepend nothing and append (1, 1), then
/// integrate as the exact method does. Thresholds equally spaced in FPR keep it close to the
/// exact value (about 2e-4 at K = 1000), unlike thresholds spaced linearly in score.
///
/// Nothing is sorted: the K order statistics are found by radix selection on the score keys
/// (16 + 8 + 8 bits, one histogram pass each over the normal pixels), then one pass counts
/// each region pixel into the threshold interval it falls in. Memory is O(65536 + K · 256)
/// besides the inputs, so this mode suits sets too large to order in memory.
/// Heavy ties among normal scores bias it low (1 − (pos + 1)/n then overstates the FPR), as
/// they bias the reference.
/// </summary>
public static class QuantileAupro
{
    public static QuantileAuproResult Compute(PixelSet set, IReadOnlyList<double> limits, int thresholds = 1000,
        Connectivity connectivity = Connectivity.Eight, int curveCells = 200, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(set);
        var options = new PixelMetricsOptions
        {
            AuproLimits = limits, QuantileThresholds = thresholds, Connectivity = connectivity, CurveCells = curveCells,
            MaxDegreeOfParallelism = maxDegreeOfParallelism < 1 ? Environment.ProcessorCount : maxDegreeOfParallelism,
        };
        options.Validate();
        set.Validate(options.MaxDegreeOfParallelism);
        return Compute(set, [.. limits], thresholds, connectivity, curveCells, options.MaxDegreeOfParallelism);
    }

    internal static QuantileAuproResult Compute(PixelSet set, double[] limits, int k, Connectivity connectivity, int cells, int parallelism)
    {
        var method = $"quantile: {k} thresholds at equally spaced positions of the sorted normal-pixel scores (MVTec 3D-AD); approximate";
        var bounds = set.Partition(parallelism);
        var parts = bounds.Length - 1;
        var options = new ParallelOptions { MaxDegreeOfParallelism = parallelism };

        // Level 1 of the selection also counts the normal pixels.
        var level1 = SumHistograms(parts, 1 << 16, options, (part, h) =>
            ForNormalKeys(set, bounds[part], bounds[part + 1], new Level1(h)));
        long normal = 0;
        foreach (var c in level1) normal += c;

        // Region pixels: count them into threshold intervals once the thresholds are known;
        // first count the regions (needed for the undefined cases either way).
        if (normal == 0)
            return Undefined(limits, "no normal pixel: the false-positive rate is undefined; AUPRO is undefined", method, k, CountRegions(set, bounds, connectivity, options));

        // Threshold positions as numpy's linspace(0, n - 1, k, dtype=int): floor(i * step), last = n - 1.
        var positions = new long[k];
        var step = (double)(normal - 1) / (k - 1);
        for (var i = 0; i < k; i++) positions[i] = i == k - 1 ? normal - 1 : (long)Math.Floor(i * step);
        var thresholdKeys = Select(set, bounds, options, level1, positions);

        var partBins = new double[parts][];
        var partRegions = new long[parts];
        Parallel.For(0, parts, options, part =>
        {
            var bins = new double[k + 1];
            var scratch = new ComponentScratch();
            long regions = 0;
            for (var i = bounds[part]; i < bounds[part + 1]; i++)
            {
                var image = set.Images[i];
                var mask = image.Mask.Span;
                if (mask.IndexOfAnyExcept((byte)0) < 0) continue;
                var labels = scratch.Labels(image.PixelCount);
                regions += ConnectedComponents.Label(mask, image.Height, image.Width, labels, connectivity, scratch);
                var sizes = scratch.Sizes;
                var map = image.Map.Span;
                for (var p = 0; p < map.Length; p++)
                {
                    if (mask[p] == 0) continue;
                    // The pixel is above threshold j exactly for the j below its interval index.
                    bins[LowerBound(thresholdKeys, ScoreKey.FromScore(map[p]))] += 1.0 / sizes[labels[p]];
                }
            }
            partBins[part] = bins;
            partRegions[part] = regions;
        });
        var regionCount = partRegions.Sum();
        if (regionCount == 0)
            return Undefined(limits, "no ground-truth region (no anomalous pixel): PRO is undefined; AUPRO is undefined", method, k, 0);

        var total = new double[k + 1];
        foreach (var bins in partBins)
            for (var j = 0; j <= k; j++) total[j] += bins[j];

        // PRO_j = Σ_{m > j} bins[m] / regions; points in increasing FPR: j = k-1 … 0, then (1, 1).
        var xs = new double[k + 1];
        var ys = new double[k + 1];
        var ts = new float[k + 1];
        var above = 0.0;
        for (var j = k - 1; j >= 0; j--)
        {
            above += total[j + 1];
            var index = k - 1 - j;
            xs[index] = 1.0 - (double)(positions[j] + 1) / normal;
            ys[index] = Math.Min(1.0, above / regionCount);
            ts[index] = ScoreKey.ToScore(thresholdKeys[j]);
        }
        xs[k] = 1;
        ys[k] = 1;
        ts[k] = float.NegativeInfinity;

        var values = limits.Select(l => new AuproResult(l, MetricValue.Of(Trapezoid.Area(xs, ys, l) / l), true, method)).ToArray();
        var sampler = new CurveSampler(cells, limits.Length == 0 ? 1.0 : Math.Min(1.0, limits.Max()));
        sampler.Points.Add(new CurvePoint(xs[0], ys[0], ts[0]));
        for (var i = 1; i <= k; i++) sampler.Add(xs[i - 1], ys[i - 1], xs[i], ys[i], ts[i], last: i == k);
        return new QuantileAuproResult(values, new Curve("false positive rate", "per-region overlap", sampler.Points, cells > 0), regionCount, k);
    }

    private static QuantileAuproResult Undefined(double[] limits, string reason, string method, int k, long regions) =>
        new([.. limits.Select(l => new AuproResult(l, MetricValue.Undefined(reason), true, method))],
            new Curve("false positive rate", "per-region overlap", [], true), regions, k);

    private static long CountRegions(PixelSet set, int[] bounds, Connectivity connectivity, ParallelOptions options)
    {
        var counts = new long[bounds.Length - 1];
        Parallel.For(0, counts.Length, options, part =>
        {
            var scratch = new ComponentScratch();
            for (var i = bounds[part]; i < bounds[part + 1]; i++)
            {
                var image = set.Images[i];
                if (image.Mask.Span.IndexOfAnyExcept((byte)0) < 0) continue;
                counts[part] += ConnectedComponents.Label(image.Mask.Span, image.Height, image.Width, scratch.Labels(image.PixelCount), connectivity, scratch);
            }
        });
        return counts.Sum();
    }

    /// <summary>The number of keys strictly below <paramref name="key"/> in the ascending <paramref name="keys"/>.</summary>
    private static int LowerBound(uint[] keys, uint key)
    {
        int lo = 0, hi = keys.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (keys[mid] < key) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    /// <summary>
    /// The keys at the given ranks (0-based, ascending) of the normal-pixel keys, by radix
    /// selection in three histogram passes: the 16 high key bits (the level-1 histogram, which
    /// also gave the normal-pixel count), then 8 bits, then the last 8, each later level
    /// histogramming only the prefixes that hold a wanted rank. Counters stay small enough
    /// (256 per wanted prefix) to live in cache, which is what makes a pass cost about as much
    /// as reading the inputs.
    /// </summary>
    private static uint[] Select(PixelSet set, int[] bounds, ParallelOptions options, long[] level1, long[] ranks)
    {
        var parts = bounds.Length - 1;
        var k = ranks.Length;
        var cumulative = new long[level1.Length + 1];
        for (var b = 0; b < level1.Length; b++) cumulative[b + 1] = cumulative[b] + level1[b];

        var digit1 = new int[k];
        var rank1 = new long[k];
        for (var j = 0; j < k; j++)
        {
            // The bin b with cumulative[b] <= rank < cumulative[b + 1].
            int lo = 0, hi = level1.Length - 1;
            while (lo < hi)
            {
                var mid = (lo + hi + 1) >>> 1;
                if (cumulative[mid] <= ranks[j]) lo = mid;
                else hi = mid - 1;
            }
            digit1[j] = lo;
            rank1[j] = ranks[j] - cumulative[lo];
        }

        // Level 2: 256 counters per distinct level-1 digit.
        var slot1 = Slots(digit1, level1.Length, out var slots1);
        var level2 = SumHistograms(parts, slots1 << 8, options, (part, h) =>
            ForNormalKeys(set, bounds[part], bounds[part + 1], new Level2(slot1, h)));
        var prefix2 = new int[k];
        var rank2 = new long[k];
        for (var j = 0; j < k; j++)
        {
            var s = slot1[digit1[j]];
            (var digit2, rank2[j]) = Find(level2, s << 8, 256, rank1[j]);
            prefix2[j] = (s << 8) | digit2;
        }

        // Level 3: 256 counters per distinct (level-1, level-2) prefix.
        var slot2 = Slots(prefix2, slots1 << 8, out var slots2);
        var level3 = SumHistograms(parts, slots2 << 8, options, (part, h) =>
            ForNormalKeys(set, bounds[part], bounds[part + 1], new Level3(slot1, slot2, h)));
        var keys = new uint[k];
        for (var j = 0; j < k; j++)
        {
            var (digit3, _) = Find(level3, slot2[prefix2[j]] << 8, 256, rank2[j]);
            keys[j] = ((uint)digit1[j] << 16) | ((uint)(prefix2[j] & 255) << 8) | (uint)digit3;
        }
        return keys;
    }

    /// <summary>The bin of <paramref name="h"/>[start..start+count) that holds the given rank, and the rank within it.</summary>
    private static (int Digit, long Rank) Find(long[] h, int start, int count, long rank)
    {
        for (var d = 0; d < count; d++)
        {
            var c = h[start + d];
            if (rank < c) return (d, rank);
            rank -= c;
        }
        throw new InvalidOperationException("rank beyond the histogram; the inputs changed during the computation");
    }

    /// <summary>A table from value to a dense slot number (or -1) for the distinct values present.</summary>
    private static int[] Slots(int[] values, int range, out int count)
    {
        var table = new int[range];
        Array.Fill(table, -1);
        count = 0;
        foreach (var v in values)
            if (table[v] < 0) table[v] = count++;
        return table;
    }

    // Per-worker counters are ints (a worker sees at most 2^30 pixels), the sums longs.
    private static long[] SumHistograms(int parts, int bins, ParallelOptions options, Action<int, int[]> fill)
    {
        var partial = new int[parts][];
        Parallel.For(0, parts, options, part =>
        {
            var h = new int[bins];
            fill(part, h);
            partial[part] = h;
        });
        var sum = new long[bins];
        foreach (var h in partial)
            for (var b = 0; b < bins; b++) sum[b] += h[b];
        return sum;
    }

    // The histogram passes visit every normal pixel: struct visitors keep the per-pixel call inlined.
    private static void ForNormalKeys<TVisitor>(PixelSet set, int from, int to, TVisitor visitor) where TVisitor : struct, IKeyVisitor
    {
        for (var i = from; i < to; i++)
        {
            var image = set.Images[i];
            var map = image.Map.Span;
            var mask = image.Mask.Span;
            for (var p = 0; p < map.Length; p++)
                if (mask[p] == 0) visitor.Visit(ScoreKey.FromScore(map[p]));
        }
    }

    private interface IKeyVisitor
    {
        void Visit(uint key);
    }

    private readonly struct Level1(int[] h) : IKeyVisitor
    {
        public void Visit(uint key) => h[key >> 16]++;
    }

    private readonly struct Level2(int[] slot1, int[] h) : IKeyVisitor
    {
        public void Visit(uint key)
        {
            var s = slot1[key >> 16];
            if (s >= 0) h[(s << 8) | (int)((key >> 8) & 255)]++;
        }
    }

    private readonly struct Level3(int[] slot1, int[] slot2, int[] h) : IKeyVisitor
    {
        public void Visit(uint key)
        {
            var s1 = slot1[key >> 16];
            if (s1 < 0) return;
            var s2 = slot2[(s1 << 8) | (int)((key >> 8) & 255)];
            if (s2 >= 0) h[(s2 << 8) | (int)(key & 255)]++;
        }
    }
}
