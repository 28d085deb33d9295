namespace AnomalyBench.Metrics;

/// <summary>
/// Walks the tie groups of a scored set in descending score order and accumulates every
/// threshold metric on the way, as scikit-learn's <c>_binary_clf_curve</c> does: each
/// distinct score is one threshold and yields one curve point, whose cumulative false- and
/// true-positive counts include the whole tie group. From these points:
/// AUROC (trapezoid = Mann–Whitney with ties counted ½, kept as an exact integer sum),
/// AP (stepwise Σ (R_n − R_{n−1}) P_n, <c>average_precision_score</c>), AUPR (trapezoid over the
/// PR points), F1-max, and the PRO curve integrated up to each FPR limit (MVTec AD
/// <c>pro_curve_util.compute_pro</c> + <c>generic_util.trapezoid</c>).
/// One accumulator can cover a contiguous piece of the walk, starting from the cumulative
/// state above it; <see cref="Combine"/> adds the pieces in order.
/// </summary>
internal sealed class CurveAccumulator
{
    private readonly CurveTotals _totals;
    private readonly double[] _limits;
    private readonly CurveSampler _roc;
    private readonly CurveSampler _pr;
    private readonly CurveSampler? _pro;

    private long _f;
    private long _t;
    private double _w;

    private Int128 _auc2; // Σ ΔF·(T_prev + T): twice the ROC area times N·P
    private double _apSum; // Σ ΔT·precision: AP times P
    private double _aupr;
    private readonly double[] _proArea;
    private double _bestF1 = -1;
    private float _bestF1Threshold = float.NaN;
    private double _bestF1Precision = double.NaN;
    private double _bestF1Recall = double.NaN;

    public CurveAccumulator(CurveTotals totals, CurveState start, double[] limits, int cells, bool withPro, bool first)
    {
        _totals = totals;
        _limits = limits;
        _f = start.FalsePositives;
        _t = start.TruePositives;
        _w = start.ProWeight;
        _proArea = new double[limits.Length];
        _roc = new CurveSampler(cells);
        _pr = new CurveSampler(cells);
        _pro = withPro ? new CurveSampler(cells, limits.Length == 0 ? 1.0 : Math.Min(1.0, limits.Max())) : null;
        if (first)
        {
            _roc.AddFirst(0, 0);
            _pr.AddFirst(0, 1);
            _pro?.AddFirst(0, 0);
        }
    }

    public CurveState State => new(_f, _t, _w);

    /// <summary>Adds one tie group: all samples with score <paramref name="threshold"/>.</summary>
    public void Add(float threshold, long negatives, long positives, double proWeight, bool last)
    {
        long f0 = _f, t0 = _t;
        var w0 = _w;
        _f += negatives;
        _t += positives;
        _w += proWeight;

        long n = _totals.Negatives, p = _totals.Positives;
        _auc2 += (Int128)negatives * (t0 + _t);

        var precision = (double)_t / (_t + _f);
        var precision0 = t0 + f0 == 0 ? 1.0 : (double)t0 / (t0 + f0);
        if (p > 0)
        {
            _apSum += positives * precision;
            double recall0 = (double)t0 / p, recall = (double)_t / p;
            _aupr += 0.5 * (precision0 + precision) * (recall - recall0);
            // F1 = 2PR/(P+R) = 2T / (T + F + P); strictly greater keeps the highest threshold.
            var f1 = 2.0 * _t / (_t + _f + p);
            if (f1 > _bestF1)
            {
                _bestF1 = f1;
                _bestF1Threshold = threshold;
                _bestF1Precision = precision;
                _bestF1Recall = recall;
            }
            _pr.Add(recall0, precision0, recall, precision, threshold, last);
            if (n > 0) _roc.Add((double)f0 / n, (double)t0 / p, (double)_f / n, (double)_t / p, threshold, last);
        }

        if (_pro is not null && n > 0 && _totals.Regions > 0)
        {
            double fpr0 = (double)f0 / n, fpr = (double)_f / n;
            double pro0 = Math.Min(1.0, w0 / _totals.Regions), pro = Math.Min(1.0, _w / _totals.Regions);
            for (var i = 0; i < _limits.Length; i++)
                _proArea[i] += Trapezoid.Segment(fpr0, pro0, fpr, pro, _limits[i]);
            _pro.Add(fpr0, pro0, fpr, pro, threshold, last);
        }
    }

    /// <summary>Adds the pieces of one walk, given in walk order, into the metrics of the whole set.</summary>
    public static CurveSummary Combine(CurveTotals totals, double[] limits, IReadOnlyList<CurveAccumulator> parts, string noun, bool downsampled)
    {
        Int128 auc2 = 0;
        double apSum = 0, aupr = 0;
        var proArea = new double[limits.Length];
        CurveAccumulator? best = null;
        var roc = new List<CurvePoint>();
        var pr = new List<CurvePoint>();
        var pro = new List<CurvePoint>();
        var withPro = false;
        foreach (var part in parts)
        {
            auc2 += part._auc2;
            apSum += part._apSum;
            aupr += part._aupr;
            for (var i = 0; i < limits.Length; i++) proArea[i] += part._proArea[i];
            if (part._bestF1 >= 0 && (best is null || part._bestF1 > best._bestF1)) best = part;
            roc.AddRange(part._roc.Points);
            pr.AddRange(part._pr.Points);
            if (part._pro is not null)
            {
                withPro = true;
                pro.AddRange(part._pro.Points);
            }
        }

        long n = totals.Negatives, p = totals.Positives;
        string? classReason = (n, p) switch
        {
            (0, 0) => $"no {noun}s",
            (_, 0) => $"no anomalous {noun}s (label 1), only normal ones",
            (0, _) => $"no normal {noun}s (label 0), only anomalous ones",
            _ => null,
        };
        string? positivesReason = p == 0 ? (n == 0 ? $"no {noun}s" : $"no anomalous {noun}s (label 1), only normal ones") : null;

        var auroc = classReason is null
            ? MetricValue.Of((double)auc2 / (2.0 * n * (double)p))
            : MetricValue.Undefined($"{classReason}: AUROC is undefined");
        var ap = positivesReason is null ? MetricValue.Of(apSum / p) : MetricValue.Undefined($"{positivesReason}: AP is undefined");
        var auprValue = positivesReason is null ? MetricValue.Of(aupr) : MetricValue.Undefined($"{positivesReason}: AUPR is undefined");
        var f1 = positivesReason is null && best is not null
            ? new F1MaxResult(MetricValue.Of(best._bestF1), best._bestF1Threshold, best._bestF1Precision, best._bestF1Recall)
            : new F1MaxResult(MetricValue.Undefined($"{positivesReason ?? $"no {noun}s"}: F1-max is undefined"), float.NaN, double.NaN, double.NaN);

        var proValues = new MetricValue[limits.Length];
        for (var i = 0; i < limits.Length; i++)
        {
            string? reason = (n, totals.Regions) switch
            {
                (0, 0) => "no pixels",
                (_, 0) => "no ground-truth region (no anomalous pixel): PRO is undefined",
                (0, _) => "no normal pixel: the false-positive rate is undefined",
                _ => null,
            };
            proValues[i] = reason is null ? MetricValue.Of(proArea[i] / limits[i]) : MetricValue.Undefined($"{reason}; AUPRO is undefined");
        }

        // An undefined metric's curve is empty rather than a line of NaNs.
        if (!auroc.IsDefined) roc.Clear();
        if (!ap.IsDefined) pr.Clear();
        if (n == 0 || totals.Regions == 0) pro.Clear();
        return new CurveSummary(
            auroc, ap, auprValue, f1, proValues,
            new Curve("false positive rate", "true positive rate", roc, downsampled),
            new Curve("recall", "precision", pr, downsampled),
            withPro ? new Curve("false positive rate", "per-region overlap", pro, downsampled) : null);
    }
}
