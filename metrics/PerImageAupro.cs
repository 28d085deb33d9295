namespace AnomalyBench.Metrics;

/// <summary>
/// The per-image AUPRO of RD4AD's and ReContrast's official evaluations (hq-deng/RD4AD test.py and
/// guojiajeremy/ReContrast utils.py, <c>compute_pro</c> called once per anomalous image; shared/research/methods-2.md
/// §0): for each anomalous image, 200 thresholds th = min + k·(max − min)/200 (k = 0..199) of that image's own map; at
/// each, PRO = mean over the image's mask regions (8-connected, as skimage.measure.label) of the covered fraction, and
/// FPR = flagged normal pixels / normal pixels of that image; points with FPR &lt; limit are kept, FPR is divided by the
/// largest kept FPR and the trapezoid area under PRO(FPR) is taken (sklearn.metrics.auc); the result is the mean
/// over the anomalous images. NOT the standard data-set-level AUPRO (<c>aupro_0.3</c>): it rescales every image's FPR
/// axis to [0, 1] and averages images, so it is reported for comparison with these papers only
/// (key <c>aupro_per_image_0.3</c>).
/// </summary>
public static class PerImageAupro
{
    /// <summary>Thresholds per image in the official code (<c>num_th=200</c>).</summary>
    public const int Thresholds = 200;

    /// <summary>
    /// The mean over images with defect pixels. Images whose curve has fewer than two points below the limit, or no
    /// normal pixel, have no area (sklearn would raise) and are left out; undefined when no image is left.
    /// </summary>
    public static MetricValue Compute(PixelSet set, double limit = 0.3)
    {
        ArgumentNullException.ThrowIfNull(set);
        if (!(limit > 0 && limit <= 1)) throw new ArgumentOutOfRangeException(nameof(limit), limit, "the FPR limit must lie in (0, 1]");
        var values = new double?[set.Images.Count];
        Parallel.For(0, set.Images.Count, i => values[i] = OfImage(set.Images[i], limit));
        var defined = values.Where(v => v.HasValue).Select(v => v!.Value).ToList();
        if (defined.Count == 0) return MetricValue.Undefined("no anomalous image with both defect and normal pixels has a per-image PRO curve");
        return MetricValue.Of(defined.Average());
    }

    /// <summary>One image's area (null when the image has no defect pixel or its curve is undefined).</summary>
    public static double? OfImage(PixelImage image, double limit = 0.3)
    {
        var mask = image.Mask.Span;
        var map = image.Map.Span;
        var labels = new int[image.PixelCount];
        var regions = ConnectedComponents.Label(mask, image.Height, image.Width, labels, Connectivity.Eight);
        if (regions == 0) return null;
        var areas = ConnectedComponents.Sizes(labels, regions);
        var normal = image.PixelCount - areas.Sum();
        if (normal == 0) return null;
        var (min, max) = (float.PositiveInfinity, float.NegativeInfinity);
        foreach (var v in map)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        var delta = ((double)max - min) / Thresholds;
        var fprs = new List<double>();
        var pros = new List<double>();
        var covered = new int[regions];
        for (var k = 0; k < Thresholds; k++)
        {
            var th = min + k * delta;
            Array.Clear(covered);
            var falsePositives = 0;
            for (var p = 0; p < map.Length; p++)
            {
                if (!(map[p] > th)) continue;
                if (labels[p] == 0) falsePositives++;
                else covered[labels[p] - 1]++;
            }
            var fpr = (double)falsePositives / normal;
            if (!(fpr < limit)) continue;
            var pro = 0.0;
            for (var r = 0; r < regions; r++) pro += (double)covered[r] / areas[r];
            fprs.Add(fpr);
            pros.Add(pro / regions);
        }
        if (fprs.Count < 2) return null;
        var largest = fprs.Max();
        if (largest == 0) return null;
        // Thresholds rise, so FPR falls: integrate in increasing FPR (sklearn's auc accepts either direction).
        var x = fprs.Select(f => f / largest).Reverse().ToArray();
        var y = pros.AsEnumerable().Reverse().ToArray();
        return Trapezoid.Area(x, y);
    }
}
