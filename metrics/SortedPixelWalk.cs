using System.Runtime.CompilerServices;

namespace AnomalyBench.Metrics;

/// <summary>
/// The exact pixel-level walk: every pixel of every image in descending score order, one
/// tie group per distinct score, fed to a <see cref="CurveAccumulator"/>. P-AUROC, pixel AP,
/// F1-max and exact AUPRO share this one ordering.
///
/// The ordering is a one-pass bucket (MSD radix) sort on the order-preserving 32-bit score key
/// (<see cref="ScoreKey"/>): pass 1 histograms the top 16 key bits per worker; pass 2 scatters
/// one 8-byte entry per pixel into its bucket — the low 16 key bits and the pixel's ground-truth
/// region size (0 for a normal pixel), from which the PRO weight 1/|region| follows (MVTec AD
/// <c>pro_curve_util.compute_pro</c>: each region pixel adds 1/|region| to the PRO sum, each
/// normal pixel 1 to the false positives). Each bucket is then finished on its own: small ones
/// by sorting their entries, large ones by counting into 65536 slots of the low key bits, so
/// no comparison sort of all pixels ever runs. Workers own contiguous image runs, so each
/// bucket lists its pixels in input order whatever the number of workers.
///
/// Memory beyond the inputs: 8 bytes per pixel (about 1.6× the 5 bytes per pixel of map and
/// mask), plus 256 KiB of histogram per worker. With a smaller buffer budget the key range is
/// cut into chunks of whole buckets that are scattered and walked one after another, each
/// chunk re-reading the inputs.
/// </summary>
internal static class SortedPixelWalk
{
    private const int BucketBits = 16;
    private const int Buckets = 1 << BucketBits;
    private const int LowMask = Buckets - 1;
    private const int SortedBucketLimit = 8192; // below this a bucket is sorted, above it counted
    private const int SizeBits = 48;
    private const ulong SizeMask = (1UL << SizeBits) - 1;

    public sealed record Result(CurveSummary Summary, CurveTotals Totals);

    public static Result Run(PixelSet set, bool withRegions, Connectivity connectivity, double[] limits, int cells, int parallelism, long maxBufferEntries)
    {
        var maxPartPixels = 1L << 30;
        var bounds = set.Partition(Math.Max(parallelism, (int)Math.Min(int.MaxValue, (set.PixelCount + maxPartPixels - 1) / maxPartPixels)));
        var parts = bounds.Length - 1;
        var options = new ParallelOptions { MaxDegreeOfParallelism = parallelism };

        // Pass 1: key histograms and positive counts per worker.
        var hist = new int[parts][];
        var partPositives = new long[parts];
        Parallel.For(0, parts, options, part =>
        {
            var h = new int[Buckets];
            long positives = 0;
            for (var i = bounds[part]; i < bounds[part + 1]; i++)
            {
                var image = set.Images[i];
                Histogram(image.Map.Span, h);
                positives += image.PixelCount - image.Mask.Span.Count((byte)0);
            }
            hist[part] = h;
            partPositives[part] = positives;
        });
        var bucketTotal = new long[Buckets];
        foreach (var h in hist)
            for (var b = 0; b < Buckets; b++) bucketTotal[b] += h[b];
        var positivesTotal = partPositives.Sum();
        var lowestBucket = Array.FindIndex(bucketTotal, c => c > 0);

        // Chunks of whole buckets, from the top of the key range down, each within the budget.
        var budget = Math.Max(1, Math.Min(maxBufferEntries, Array.MaxLength));
        var chunks = new List<(int Lo, int Hi, long Entries)>();
        {
            var hi = Buckets;
            while (hi > 0)
            {
                var lo = hi;
                long entries = 0;
                while (lo > 0 && (entries == 0 || entries + bucketTotal[lo - 1] <= budget))
                    entries += bucketTotal[--lo];
                if (entries > Array.MaxLength)
                    throw new NotSupportedException($"{entries} pixels share the top 16 bits of their score; more than one buffer can hold");
                chunks.Add((lo, hi, entries));
                hi = lo;
            }
        }
        var buffer = GC.AllocateUninitializedArray<ulong>((int)chunks.Max(c => c.Entries));

        var partRegions = new long[parts];
        var scatters = new PartScatter[parts];
        for (var p = 0; p < parts; p++) scatters[p] = new PartScatter();
        CurveTotals totals = default;
        var state = default(CurveState);
        var accumulators = new List<CurveAccumulator>();

        for (var c = 0; c < chunks.Count; c++)
        {
            var (lo, hi, entries) = chunks[c];
            if (entries == 0) continue;

            // Where each worker writes each bucket: buckets ascending, workers in order within a bucket.
            var bucketStart = new long[hi - lo + 1];
            for (var b = lo; b < hi; b++) bucketStart[b - lo + 1] = bucketStart[b - lo] + bucketTotal[b];
            for (var p = 0; p < parts; p++)
            {
                var offsets = scatters[p].Offsets;
                for (var b = lo; b < hi; b++)
                {
                    long o = bucketStart[b - lo];
                    for (var q = 0; q < p; q++) o += hist[q][b];
                    offsets[b] = (int)o;
                }
            }

            // Pass 2: scatter (labelling each defective image's regions); the first chunk counts them.
            var countRegions = c == 0;
            Parallel.For(0, parts, options, part =>
            {
                var scatter = scatters[part];
                scatter.ResetBucketSums(lo, hi);
                long regions = 0;
                for (var i = bounds[part]; i < bounds[part + 1]; i++)
                    regions += scatter.Scatter(set.Images[i], buffer, lo, hi, withRegions, connectivity, chunked: chunks.Count > 1);
                if (countRegions) partRegions[part] = regions;
            });
            if (c == 0)
                totals = new CurveTotals(set.PixelCount - positivesTotal, positivesTotal, withRegions ? partRegions.Sum() : 0);

            // Per-bucket positives and PRO weights, summed over workers in order.
            var bucketPositives = new long[hi - lo];
            var bucketWeight = new double[hi - lo];
            for (var p = 0; p < parts; p++)
                for (var b = lo; b < hi; b++)
                {
                    bucketPositives[b - lo] += scatters[p].Positives[b];
                    bucketWeight[b - lo] += scatters[p].Weights[b];
                }

            // Walk the chunk top-down in ranges of about equal entries, one accumulator each.
            var ranges = SplitRanges(lo, hi, bucketTotal, Math.Max(1, parallelism));
            var starts = new CurveState[ranges.Count];
            var running = state;
            for (var r = 0; r < ranges.Count; r++)
            {
                starts[r] = running;
                for (var b = ranges[r].Hi - 1; b >= ranges[r].Lo; b--)
                {
                    var pos = bucketPositives[b - lo];
                    running = new CurveState(running.FalsePositives + bucketTotal[b] - pos, running.TruePositives + pos, running.ProWeight + bucketWeight[b - lo]);
                }
            }
            var first = accumulators.Count == 0;
            var chunkAccumulators = new CurveAccumulator[ranges.Count];
            Parallel.For(0, ranges.Count, options, r =>
            {
                var acc = new CurveAccumulator(totals, starts[r], limits, cells, withRegions, first && r == 0);
                var counter = new BucketCounter();
                for (var b = ranges[r].Hi - 1; b >= ranges[r].Lo; b--)
                {
                    if (bucketTotal[b] == 0) continue;
                    var span = buffer.AsSpan((int)bucketStart[b - lo], (int)bucketTotal[b]);
                    counter.Walk(span, (uint)b << BucketBits, acc, b == lowestBucket);
                }
                chunkAccumulators[r] = acc;
            });
            accumulators.AddRange(chunkAccumulators);
            state = running;
        }

        if (accumulators.Count == 0)
            accumulators.Add(new CurveAccumulator(totals, default, limits, cells, withRegions, first: true));
        return new Result(CurveAccumulator.Combine(totals, limits, accumulators, "pixel", downsampled: cells > 0), totals);
    }

    private static void Histogram(ReadOnlySpan<float> map, int[] h)
    {
        ref var hr = ref h[0];
        foreach (var score in map)
            Unsafe.Add(ref hr, (int)(ScoreKey.FromScore(score) >> BucketBits))++;
    }

    private static List<(int Lo, int Hi)> SplitRanges(int lo, int hi, long[] bucketTotal, int count)
    {
        long entries = 0;
        for (var b = lo; b < hi; b++) entries += bucketTotal[b];
        var ranges = new List<(int, int)>();
        var top = hi;
        long acc = 0;
        for (var b = hi - 1; b >= lo; b--)
        {
            acc += bucketTotal[b];
            if (ranges.Count + 1 < count && acc * count >= entries * (ranges.Count + 1) && b > lo)
            {
                ranges.Add((b, top));
                top = b;
            }
        }
        ranges.Add((lo, top));
        return ranges;
    }

    /// <summary>One worker's scatter state: its write offsets and its per-bucket positive counts and PRO weights.</summary>
    private sealed class PartScatter
    {
        public readonly int[] Offsets = new int[Buckets];
        public readonly long[] Positives = new long[Buckets];
        public readonly double[] Weights = new double[Buckets];
        private readonly ComponentScratch _components = new();

        public void ResetBucketSums(int lo, int hi)
        {
            Array.Clear(Positives, lo, hi - lo);
            Array.Clear(Weights, lo, hi - lo);
        }

        /// <summary>Writes the image's entries of buckets [lo, hi) into the buffer; returns its number of regions.</summary>
        public int Scatter(PixelImage image, ulong[] buffer, int lo, int hi, bool withRegions, Connectivity connectivity, bool chunked)
        {
            var map = image.Map.Span;
            var mask = image.Mask.Span;
            var anomalous = mask.IndexOfAnyExcept((byte)0) >= 0;
            if (!anomalous)
            {
                // A good image: normal pixels only, entry = low key bits, size 0.
                ScatterNormal(map, buffer, lo, hi, chunked);
                return 0;
            }

            int[]? labels = null;
            int[]? sizes = null;
            var regions = 0;
            if (withRegions)
            {
                labels = _components.Labels(image.PixelCount);
                regions = ConnectedComponents.Label(mask, image.Height, image.Width, labels, connectivity, _components);
                sizes = _components.Sizes;
            }

            var offsets = Offsets;
            for (var i = 0; i < map.Length; i++)
            {
                var key = ScoreKey.FromScore(map[i]);
                var b = (int)(key >> BucketBits);
                if (chunked && (b < lo || b >= hi)) continue;
                ulong size = 0;
                if (mask[i] != 0)
                {
                    size = withRegions ? (ulong)sizes![labels![i]] : 1UL;
                    Positives[b]++;
                    if (withRegions) Weights[b] += 1.0 / size;
                }
                buffer[offsets[b]++] = ((ulong)(key & LowMask) << SizeBits) | size;
            }
            return regions;
        }

        private void ScatterNormal(ReadOnlySpan<float> map, ulong[] buffer, int lo, int hi, bool chunked)
        {
            ref var offsets = ref Offsets[0];
            ref var dst = ref buffer[0];
            if (!chunked)
            {
                foreach (var score in map)
                {
                    var key = ScoreKey.FromScore(score);
                    ref var o = ref Unsafe.Add(ref offsets, (int)(key >> BucketBits));
                    Unsafe.Add(ref dst, o++) = (ulong)(key & LowMask) << SizeBits;
                }
                return;
            }
            foreach (var score in map)
            {
                var key = ScoreKey.FromScore(score);
                var b = (int)(key >> BucketBits);
                if (b < lo || b >= hi) continue;
                buffer[Offsets[b]++] = (ulong)(key & LowMask) << SizeBits;
            }
        }
    }

    /// <summary>Finishes one bucket: its tie groups in descending score order, to the accumulator.</summary>
    private sealed class BucketCounter
    {
        private int[]? _negatives;
        private int[]? _positives;
        private double[]? _weights;

        public void Walk(Span<ulong> entries, uint keyHigh, CurveAccumulator acc, bool lowestBucket)
        {
            if (entries.Length <= SortedBucketLimit)
            {
                entries.Sort();
                var end = entries.Length;
                while (end > 0)
                {
                    var low = entries[end - 1] >> SizeBits;
                    long negatives = 0, positives = 0;
                    var weight = 0.0;
                    var i = end - 1;
                    for (; i >= 0 && entries[i] >> SizeBits == low; i--)
                    {
                        var size = entries[i] & SizeMask;
                        if (size == 0) negatives++;
                        else
                        {
                            positives++;
                            weight += 1.0 / size;
                        }
                    }
                    acc.Add(ScoreKey.ToScore(keyHigh | (uint)low), negatives, positives, weight, lowestBucket && i < 0);
                    end = i + 1;
                }
                return;
            }

            var neg = _negatives ??= new int[Buckets];
            var pos = _positives ??= new int[Buckets];
            var w = _weights ??= new double[Buckets];
            var lowest = LowMask;
            foreach (var e in entries)
            {
                var low = (int)(e >> SizeBits);
                var size = e & SizeMask;
                if (low < lowest) lowest = low;
                if (size == 0) neg[low]++;
                else
                {
                    pos[low]++;
                    w[low] += 1.0 / size;
                }
            }
            for (var low = LowMask; low >= lowest; low--)
            {
                if (neg[low] == 0 && pos[low] == 0) continue;
                acc.Add(ScoreKey.ToScore(keyHigh | (uint)low), neg[low], pos[low], w[low], lowestBucket && low == lowest);
                neg[low] = 0;
                pos[low] = 0;
                w[low] = 0;
            }
        }
    }
}
