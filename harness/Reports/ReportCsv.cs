using System.Globalization;
using AnomalyBench.Harness.Runs;

namespace AnomalyBench.Harness.Reports;

/// <summary>The report's numbers as CSV for scripts: side-by-side cells (percent) and per-run intervals with the paired tests (fractions).</summary>
public static class ReportCsv
{
    public static string SideBySide(IEnumerable<SideBySideTable> tables)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = Tables.NewWriter(text))
        {
            foreach (var h in new[] { "dataset", "method", "method_key", "setting", "category", "metric", "ours_pct", "ours_std_pct", "seeds", "paper_pct", "difference_pct", "weights", "weights_differ_from_paper", "uses_test_set" })
                csv.WriteField(h);
            csv.EndRecord();
            foreach (var t in tables)
            {
                foreach (var row in t.Rows)
                {
                    foreach (var c in row.Cells)
                    {
                        foreach (var field in new[] { t.Dataset, t.Method, t.MethodKey, t.Setting, row.Category, c.Metric, F(c.Ours), F(c.OursStd), c.Seeds.ToString(CultureInfo.InvariantCulture), F(c.Paper), F(c.Difference), string.Join("; ", row.Weights), row.WeightsDiffer ? "true" : "false", t.UsesTestSet ? "true" : "false" })
                            csv.WriteField(field);
                        csv.EndRecord();
                    }
                }
            }
        }
        return text.ToString();
    }

    public static string Confidence(IEnumerable<RunConfidence> intervals, IReadOnlyList<PairedComparison> comparisons)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = Tables.NewWriter(text))
        {
            foreach (var h in new[] { "dataset", "category", "method", "seed", "image_auroc", "image_ci_lower", "image_ci_upper", "image_delong_variance",
                         "pixel_auroc", "pixel_ci_lower", "pixel_ci_upper", "bootstrap_replicates", "best_method", "paired_z", "paired_p", "significantly_worse" })
                csv.WriteField(h);
            csv.EndRecord();
            foreach (var c in intervals)
            {
                var r = c.Run.Result;
                var vs = comparisons.FirstOrDefault(p => p.Dataset == r.Dataset && p.Category == r.Category && p.Seed == r.Seed && p.Method == r.Method);
                var best = vs?.Best ?? (comparisons.Any(p => p.Dataset == r.Dataset && p.Category == r.Category && p.Seed == r.Seed && p.Best == r.Method) ? r.Method : "");
                foreach (var field in new[]
                         {
                             r.Dataset, r.Category, r.Method, r.Seed.ToString(CultureInfo.InvariantCulture),
                             F(c.Image?.Auroc), F(c.Image?.Lower), F(c.Image?.Upper), F(c.Image?.Variance),
                             F(c.Pixel?.Estimate), F(c.Pixel?.Lower), F(c.Pixel?.Upper), c.Pixel?.Replicates.ToString(CultureInfo.InvariantCulture) ?? "",
                             best, F(vs?.Test.Z), F(vs?.Test.P), vs is null ? "" : vs.SignificantlyWorse ? "true" : "false",
                         })
                    csv.WriteField(field);
                csv.EndRecord();
            }
        }
        return text.ToString();
    }

    private static string F(double? v) => v is { } x ? Tables.Format(x) : "";
}
