using System.Globalization;
using System.Text;

namespace AnomalyBench.Harness.Reports;

/// <summary>The report's Markdown: the side-by-side tables with their notes, and the statistics tables; both end with the protocol footer.</summary>
public static class MarkdownReport
{
    public static string SideBySide(string experiment, IReadOnlyList<SideBySideTable> tables, IReadOnlyList<string> protocol)
    {
        var md = new StringBuilder();
        md.Append("# ").Append(experiment).Append(": reproduced numbers next to the papers'\n\n");
        md.Append("Values in percent; \"ours\" is the mean ± std over seeds (n = seeds), \"paper\" the reported number, Δ = ours − paper in points.\n");
        foreach (var t in tables)
        {
            md.Append("\n## ").Append(t.Dataset).Append(" — ").Append(t.MethodLabel);
            if (t.Method != t.MethodKey) md.Append(" (").Append(t.MethodKey).Append(')');
            if (t.Setting == "unified") md.Append(" — unified (one model for all categories)");
            md.Append("\n\n");
            if (t.Entry is not null)
                md.Append("Paper setting: ").Append(string.Join(", ", t.Entry.Setting.Select(kv => $"{kv.Key} {kv.Value}"))).Append(". Source: ").Append(t.Source?.Trim()).Append("\n\n");
            md.Append("| category |");
            foreach (var m in t.Metrics) md.Append(' ').Append(MetricNames.Display(m)).Append(" ours | paper | Δ |");
            md.Append("\n|---|");
            foreach (var _ in t.Metrics) md.Append("---:|---:|---:|");
            md.Append('\n');
            foreach (var row in t.Rows)
            {
                md.Append("| ").Append(row.Category == "mean" ? "**mean**" + row.Marker : Escape(row.Label)).Append(" |");
                foreach (var c in row.Cells)
                    md.Append(' ').Append(Ours(c)).Append(" | ").Append(Number(c.Paper)).Append(" | ").Append(Signed(c.Difference)).Append(" |");
                md.Append('\n');
            }
            if (t.Notes.Count > 0)
            {
                md.Append('\n');
                foreach (var note in t.Notes) md.Append("- ").Append(note).Append('\n');
            }
            foreach (var other in t.OtherEntries)
            {
                md.Append("- Also reported (").Append(string.Join(", ", other.Setting.Select(kv => $"{kv.Key} {kv.Value}"))).Append("): ");
                md.Append(string.Join(", ", other.Metrics.Where(m => m.Value.ContainsKey("mean"))
                    .Select(m => $"{MetricNames.Display(m.Key)} {Number(other.Fraction(m.Key, "mean") * 100)}"))).Append('\n');
            }
        }
        Footer(md, protocol);
        return md.ToString();
    }

    public static string Statistics(string experiment, ExperimentResults results, IReadOnlyList<RunConfidence> intervals,
        IReadOnlyList<PairedComparison> comparisons, StatisticsOptions options, IReadOnlyList<string> protocol)
    {
        var md = new StringBuilder();
        md.Append("# ").Append(experiment).Append(": confidence intervals and paired tests\n\n");
        md.Append(CultureInfo.InvariantCulture, $"Intervals are {options.Level * 100:0.#}%: image level by DeLong's method, pixel level by a cluster bootstrap over test images ");
        md.Append(CultureInfo.InvariantCulture, $"(B = {options.BootstrapReplicates}, seed {options.BootstrapSeed}). ");
        md.Append(CultureInfo.InvariantCulture, $"**best** marks the highest I-AUROC of a category and seed; * marks a method whose I-AUROC is lower than the best's with p < {options.Alpha} in DeLong's paired test (p given).\n");
        foreach (var dataset in results.Datasets)
        {
            var methods = results.Methods(dataset);
            foreach (var (title, pixel) in new[] { ("I-AUROC, DeLong interval", false), ("P-AUROC, cluster-bootstrap interval", true) })
            {
                md.Append("\n## ").Append(dataset).Append(": ").Append(title).Append("\n\n| category | seed |");
                foreach (var m in methods) md.Append(' ').Append(Escape(results.Label(dataset, m))).Append(" |");
                md.Append("\n|---|---:|");
                foreach (var _ in methods) md.Append("---|");
                md.Append('\n');
                foreach (var category in results.Categories(dataset))
                {
                    foreach (var seed in results.Seeds(dataset))
                    {
                        md.Append("| ").Append(Escape(category)).Append(" | ").Append(seed).Append(" |");
                        foreach (var method in methods)
                        {
                            var c = intervals.FirstOrDefault(i => i.Run.Key == new Runs.RunKey(dataset, category, method, seed));
                            md.Append(' ').Append(c is null ? "" : pixel ? PixelCell(c) : ImageCell(c, comparisons)).Append(" |");
                        }
                        md.Append('\n');
                    }
                }
            }
        }
        if (TestSetUse.Note(results.Runs.Select(r => r.Result)) is { } note) md.Append('\n').Append(note).Append('\n');
        Footer(md, protocol);
        return md.ToString();
    }

    internal static string ImageCell(RunConfidence c, IReadOnlyList<PairedComparison> comparisons)
    {
        if (c.Image is not { } d) return $"n/a ({c.ImageUndefined})";
        var r = c.Run.Result;
        var text = $"{Fraction(d.Auroc)} [{Fraction(d.Lower)}, {Fraction(d.Upper)}]";
        var vsBest = comparisons.FirstOrDefault(p => p.Dataset == r.Dataset && p.Category == r.Category && p.Seed == r.Seed && p.Method == r.Method);
        if (vsBest is null) return comparisons.Any(p => p.Dataset == r.Dataset && p.Category == r.Category && p.Seed == r.Seed && p.Best == r.Method) ? $"**best** {text}" : text;
        return $"{text}{(vsBest.SignificantlyWorse ? "*" : "")} p={vsBest.Test.P.ToString("0.###", CultureInfo.InvariantCulture)}";
    }

    internal static string PixelCell(RunConfidence c) =>
        c.Pixel is { } b ? $"{Fraction(b.Estimate)} [{Fraction(b.Lower)}, {Fraction(b.Upper)}]" : $"n/a ({c.PixelUndefined})";

    private static void Footer(StringBuilder md, IReadOnlyList<string> protocol)
    {
        md.Append("\n---\n\nMetric protocol and backbone weights:\n\n");
        foreach (var line in protocol) md.Append("- ").Append(line).Append('\n');
    }

    internal static string Ours(SideBySideCell c) =>
        c.Ours is not { } o ? "—" : c.OursStd is { } s ? $"{Number(o)} ± {Number(s)} (n={c.Seeds})" : $"{Number(o)} (n={c.Seeds})";

    internal static string Number(double? v) => v is { } x ? x.ToString("0.00", CultureInfo.InvariantCulture) : "—";

    internal static string Signed(double? v) => v is { } x ? x.ToString("+0.00;−0.00;0.00", CultureInfo.InvariantCulture) : "—";

    private static string Fraction(double v) => v.ToString("0.000", CultureInfo.InvariantCulture);

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}
