namespace AnomalyBench.Tests.Metrics;

/// <summary>
/// Plain, slow transcriptions of the reference code, for cross-checking the fast module on
/// small random sets: scikit-learn's <c>_binary_clf_curve</c> / <c>roc_auc_score</c> /
/// <c>average_precision_score</c>, and MVTec AD's <c>compute_pro</c> + <c>trapezoid</c> with a
/// breadth-first-search labelling (independent of the module's union-find).
/// </summary>
internal static class ReferenceMetrics
{
    /// <summary>(fps, tps, thresholds) at each distinct score, descending (sklearn _binary_clf_curve).</summary>
    public static (double[] Fps, double[] Tps) BinaryClfCurve(float[] scores, byte[] labels)
    {
        var order = Enumerable.Range(0, scores.Length).OrderByDescending(i => (double)scores[i]).ToArray();
        var fps = new List<double>();
        var tps = new List<double>();
        double tp = 0, fp = 0;
        for (var k = 0; k < order.Length; k++)
        {
            if (labels[order[k]] == 1) tp++;
            else fp++;
            if (k == order.Length - 1 || (double)scores[order[k + 1]] != scores[order[k]])
            {
                fps.Add(fp);
                tps.Add(tp);
            }
        }
        return ([.. fps], [.. tps]);
    }

    public static double RocAuc(float[] scores, byte[] labels)
    {
        var (fps, tps) = BinaryClfCurve(scores, labels);
        double area = 0, x0 = 0, y0 = 0;
        for (var i = 0; i < fps.Length; i++)
        {
            double x = fps[i] / fps[^1], y = tps[i] / tps[^1];
            area += (x - x0) * (y + y0) / 2;
            (x0, y0) = (x, y);
        }
        return area;
    }

    public static double AveragePrecision(float[] scores, byte[] labels)
    {
        var (fps, tps) = BinaryClfCurve(scores, labels);
        double ap = 0, r0 = 0;
        for (var i = 0; i < fps.Length; i++)
        {
            var precision = tps[i] / (tps[i] + fps[i]);
            var recall = tps[i] / tps[^1];
            ap += (recall - r0) * precision;
            r0 = recall;
        }
        return ap;
    }

    public static double F1Max(float[] scores, byte[] labels)
    {
        var (fps, tps) = BinaryClfCurve(scores, labels);
        var best = 0.0;
        for (var i = 0; i < fps.Length; i++)
        {
            var p = tps[i] / (tps[i] + fps[i]);
            var r = tps[i] / tps[^1];
            if (p + r > 0) best = Math.Max(best, 2 * p * r / (p + r));
        }
        return best;
    }

    /// <summary>MVTec AD compute_pro + trapezoid(x_max = limit) / limit.</summary>
    public static double Aupro(IReadOnlyList<float[]> maps, IReadOnlyList<byte[]> masks, int height, int width, double limit, bool eightConnected = true)
    {
        var scores = new List<float>();
        var fpChanges = new List<double>();
        var proChanges = new List<double>();
        long okPixels = 0, regions = 0;
        for (var m = 0; m < maps.Count; m++)
        {
            var (labels, count) = LabelBfs(masks[m], height, width, eightConnected);
            var sizes = new int[count + 1];
            foreach (var l in labels) sizes[l]++;
            regions += count;
            for (var p = 0; p < labels.Length; p++)
            {
                scores.Add(maps[m][p]);
                fpChanges.Add(labels[p] == 0 ? 1 : 0);
                proChanges.Add(labels[p] == 0 ? 0 : 1.0 / sizes[labels[p]]);
                if (labels[p] == 0) okPixels++;
            }
        }
        var order = Enumerable.Range(0, scores.Count).OrderByDescending(i => scores[i]).ToArray();
        var fprs = new List<double> { 0 };
        var pros = new List<double> { 0 };
        double fp = 0, pro = 0;
        for (var k = 0; k < order.Length; k++)
        {
            fp += fpChanges[order[k]];
            pro += proChanges[order[k]];
            if (k == order.Length - 1 || scores[order[k + 1]] != scores[order[k]])
            {
                fprs.Add(Math.Min(1, fp / okPixels));
                pros.Add(Math.Min(1, pro / regions));
            }
        }
        fprs.Add(1);
        pros.Add(1);
        return Trapezoid(fprs, pros, limit) / limit;
    }

    /// <summary>generic_util.trapezoid, with bisect for the insertion point.</summary>
    public static double Trapezoid(List<double> x, List<double> y, double xMax)
    {
        var correction = 0.0;
        if (!x.Contains(xMax))
        {
            var ins = x.Count(v => v <= xMax); // bisect_right
            var yInterp = y[ins - 1] + (y[ins] - y[ins - 1]) * (xMax - x[ins - 1]) / (x[ins] - x[ins - 1]);
            correction = 0.5 * (yInterp + y[ins - 1]) * (xMax - x[ins - 1]);
        }
        var area = 0.0;
        for (var i = 1; i < x.Count && x[i] <= xMax; i++)
            area += 0.5 * (y[i] + y[i - 1]) * (x[i] - x[i - 1]);
        return area + correction;
    }

    public static (int[] Labels, int Count) LabelBfs(byte[] mask, int height, int width, bool eightConnected)
    {
        var labels = new int[mask.Length];
        var count = 0;
        var queue = new Queue<int>();
        for (var start = 0; start < mask.Length; start++)
        {
            if (mask[start] == 0 || labels[start] != 0) continue;
            labels[start] = ++count;
            queue.Enqueue(start);
            while (queue.Count > 0)
            {
                var p = queue.Dequeue();
                int y = p / width, x = p % width;
                for (var dy = -1; dy <= 1; dy++)
                    for (var dx = -1; dx <= 1; dx++)
                    {
                        if (dx == 0 && dy == 0) continue;
                        if (!eightConnected && dx != 0 && dy != 0) continue;
                        int ny = y + dy, nx = x + dx;
                        if (ny < 0 || ny >= height || nx < 0 || nx >= width) continue;
                        var q = ny * width + nx;
                        if (mask[q] == 0 || labels[q] != 0) continue;
                        labels[q] = count;
                        queue.Enqueue(q);
                    }
            }
        }
        return (labels, count);
    }
}
