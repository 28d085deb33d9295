using System.Globalization;
using System.Text;
using AnomalyBench.Harness.Runs;

namespace AnomalyBench.Harness.Reports;

/// <summary>One data set's table of the end-of-sweep summary: a row per method, a column per category.</summary>
/// <param name="Cells">[method][category]: "I-AUROC / P-AUROC", means over seeds as fractions; "—" for what is missing.</param>
public sealed record SummaryTable(string Dataset, IReadOnlyList<string> Methods, IReadOnlyList<string> Categories, IReadOnlyList<IReadOnlyList<string>> Cells);

/// <summary>
/// What <c>harness run</c> prints when it ends, from every finished run of the experiment (those of earlier
/// invocations and other shards included): per data set, methods × categories with I-AUROC / P-AUROC, and the
/// backbone weights that ran, so a sweep's outcome can be read without opening the report.
/// </summary>
/// <param name="TestSetNote">What <see cref="TestSetUse.Marker"/> on a method means, when one carries it.</param>
public sealed record ResultsSummary(IReadOnlyList<SummaryTable> Tables, string Weights, string? TestSetNote = null)
{
    public const string Missing = "—";

    public static ResultsSummary Of(ExperimentResults results)
    {
        var tables = results.Datasets.Select(dataset =>
        {
            var methods = results.Methods(dataset);
            var categories = results.Categories(dataset);
            var cells = methods.Select(method => (IReadOnlyList<string>)categories.Select(category => Cell(results.Of(dataset, category, method).ToList())).ToList()).ToList();
            return new SummaryTable(dataset, methods.Select(m => results.Label(dataset, m)).ToList(), categories, cells);
        }).ToList();
        return new ResultsSummary(tables, BackboneWeights.FooterLine(results.Runs.Select(r => r.Result)), TestSetUse.Note(results.Runs.Select(r => r.Result)));
    }

    private static string Cell(IReadOnlyList<FinishedRun> runs)
    {
        if (runs.Count == 0) return Missing;
        return $"{Mean(runs, "image_auroc")} / {Mean(runs, "pixel_auroc")}";
    }

    private static string Mean(IReadOnlyList<FinishedRun> runs, string metric)
    {
        var (mean, _) = Runs.Tables.MeanStd(runs.Select(r => r.Metric(metric)));
        return double.IsNaN(mean) ? Missing : mean.ToString("0.000", CultureInfo.InvariantCulture);
    }

    /// <summary>Plain aligned columns, one block per data set, then the weights line.</summary>
    public string ToText()
    {
        var text = new StringBuilder();
        foreach (var t in Tables)
        {
            text.Append(t.Dataset).Append(": I-AUROC / P-AUROC, mean over seeds\n");
            var rows = new List<IReadOnlyList<string>> { (IReadOnlyList<string>)["method", .. t.Categories] };
            rows.AddRange(t.Methods.Select((m, i) => (IReadOnlyList<string>)[m, .. t.Cells[i]]));
            var widths = Enumerable.Range(0, t.Categories.Count + 1).Select(c => rows.Max(r => r[c].Length)).ToList();
            foreach (var row in rows)
                text.Append("  ").Append(string.Join("  ", row.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd()).Append('\n');
            text.Append('\n');
        }
        text.Append(Weights).Append('\n');
        if (TestSetNote is not null) text.Append(TestSetNote).Append('\n');
        return text.ToString();
    }
}
