using AnomalyBench.Harness.Config;
using AnomalyBench.Harness.Runs;

namespace AnomalyBench.Harness.Reports;

/// <summary>One metric of one row: the reproduced mean (± std over seeds) and the paper's number, in percent, and their difference in points.</summary>
public sealed record SideBySideCell(string Metric, double? Ours, double? OursStd, int Seeds, double? Paper)
{
    /// <summary>Reproduced minus reported, in percentage points; null unless both exist.</summary>
    public double? Difference => Ours is { } o && Paper is { } p ? o - p : null;
}

/// <summary>A category (or <c>mean</c>) of a side-by-side table.</summary>
/// <param name="Weights">the distinct backbone provenance of the row's runs (<see cref="BackboneWeights.Parts"/>).</param>
public sealed record SideBySideRow(string Category, IReadOnlyList<SideBySideCell> Cells, IReadOnlyList<string> Weights)
{
    /// <summary>Some run of the row stood on other backbone weights than the paper's: its numbers cannot match the paper's.</summary>
    public bool WeightsDiffer => Weights.Any(BackboneWeights.DiffersFromPapers);

    /// <summary>" †" (<see cref="SideBySide.WeightsMarker"/>) when <see cref="WeightsDiffer"/>, else empty: what follows the category.</summary>
    public string Marker => WeightsDiffer ? " " + SideBySide.WeightsMarker : "";

    /// <summary>The category with its <see cref="Marker"/>.</summary>
    public string Label => Category + Marker;
}

/// <summary>
/// A method's reproduced numbers on a data set next to its paper's (the first reference entry of that data set, the
/// paper's main setting), with the notes a reader needs: the paper's protocol, the entry's caveats, and why the
/// reproduction may not be comparable (quick profile, other backbone weights than the paper's).
/// </summary>
public sealed record SideBySideTable(
    string Dataset,
    string Method,
    string MethodKey,
    string Setting,
    ReferenceEntry? Entry,
    string? Source,
    IReadOnlyList<string> Metrics,
    IReadOnlyList<SideBySideRow> Rows,
    IReadOnlyList<string> Notes,
    IReadOnlyList<ReferenceEntry> OtherEntries,
    bool UsesTestSet = false)
{
    /// <summary>The method as the heading shows it, with <see cref="TestSetUse.Marker"/> when the test set informed its numbers.</summary>
    public string MethodLabel => UsesTestSet ? $"{Method} {TestSetUse.Marker}" : Method;
}

/// <summary>Builds the side-by-side tables of an experiment from its runs and the papers' reference files.</summary>
public static class SideBySide
{
    /// <summary>The metrics papers report, in the order tables show them.</summary>
    public static readonly IReadOnlyList<string> PaperMetrics = ["image_auroc", "pixel_auroc", "aupro_0.3"];

    /// <summary>Marks the rows whose backbone weights are not the paper's; the table's notes say which ran.</summary>
    public const string WeightsMarker = "†";

    public static IReadOnlyList<SideBySideTable> Build(ExperimentResults results, IReadOnlyDictionary<string, ReferenceFile> references)
    {
        var tables = new List<SideBySideTable>();
        foreach (var dataset in results.Datasets)
        {
            foreach (var method in results.Methods(dataset))
            {
                var runs = results.Of(dataset).Where(r => r.Result.Method == method).ToList();
                var key = runs[0].Result.MethodKey;
                var file = references.GetValueOrDefault(key);
                var entries = file?.Entries.Where(e => e.Dataset == dataset).ToList() ?? [];
                var entry = entries.FirstOrDefault();
                var metrics = PaperMetrics.Concat(entry?.Metrics.Keys.AsEnumerable() ?? []).Distinct().ToList();
                var categories = results.Categories(dataset).Where(c => runs.Any(r => r.Result.Category == c)).ToList();
                var rows = categories.Select(c => Row(c, runs.Where(r => r.Result.Category == c).ToList(), entry, metrics)).ToList();
                rows.Add(MeanRow(rows, entry, metrics));
                tables.Add(new SideBySideTable(dataset, method, key, runs[0].Result.Setting, entry, file?.Source, metrics, rows, Notes(runs, file, entry), entries.Skip(1).ToList(),
                    runs.Any(r => r.Result.UsesTestSet)));
            }
        }
        return tables;
    }

    private static SideBySideRow Row(string category, IReadOnlyList<FinishedRun> runs, ReferenceEntry? entry, IReadOnlyList<string> metrics) =>
        new(category, metrics.Select(m =>
        {
            var (mean, std) = Tables.MeanStd(runs.Select(r => r.Metric(m)));
            var seeds = runs.Count(r => r.Metric(m) is not null);
            return new SideBySideCell(m, Percent(mean), Percent(std), seeds, Paper(entry, m, category));
        }).ToList(), runs.SelectMany(r => BackboneWeights.Parts(r.Result.Weights)).Distinct().ToList());

    /// <summary>The mean over categories (only when every category has a value; the std column stays empty) and the paper's mean.</summary>
    private static SideBySideRow MeanRow(IReadOnlyList<SideBySideRow> rows, ReferenceEntry? entry, IReadOnlyList<string> metrics) =>
        new("mean", metrics.Select((m, i) =>
        {
            var values = rows.Select(r => r.Cells[i].Ours).ToList();
            double? mean = values.Count > 0 && values.All(v => v is not null) ? values.Average() : null;
            return new SideBySideCell(m, mean, null, rows.Count == 0 ? 0 : rows.Min(r => r.Cells[i].Seeds), Paper(entry, m, "mean"));
        }).ToList(), rows.SelectMany(r => r.Weights).Distinct().ToList());

    private static double? Paper(ReferenceEntry? entry, string metric, string category) => entry?.Fraction(metric, category) * 100;

    private static double? Percent(double value) => double.IsNaN(value) ? null : value * 100;

    private static List<string> Notes(IReadOnlyList<FinishedRun> runs, ReferenceFile? file, ReferenceEntry? entry)
    {
        var notes = new List<string>();
        if (file is null) notes.Add("No reference file for this method: there is no paper number to compare with.");
        else if (entry is null) notes.Add("The paper reports no number on this data set.");
        if (file is not null) notes.AddRange(file.Protocol);
        if (entry is not null && !string.IsNullOrWhiteSpace(entry.Caveats)) notes.Add(entry.Caveats.Trim());
        if (runs.Any(r => r.Result.Setting == "unified"))
            notes.Add("Unified setting: one model trained on every category of the data set, evaluated per category; papers' per-category numbers train one model per category.");
        var profiles = runs.Select(r => r.Result.Profile).Distinct().ToList();
        if (profiles.Any(p => p != "paper"))
            notes.Add($"Reproduced with the {string.Join("/", profiles)} profile, not the paper's setting: not comparable with the paper's numbers.");
        if (WeightsNote(runs) is { } weights) notes.Add(weights);
        if (TestSetUse.Note(runs.Select(r => r.Result)) is { } testSet) notes.Add(testSet);
        return notes;
    }

    /// <summary>The one note that explains <see cref="WeightsMarker"/>: which weights ran instead of the paper's, and what that means.</summary>
    private static string? WeightsNote(IReadOnlyList<FinishedRun> runs)
    {
        var differing = runs.SelectMany(r => BackboneWeights.Parts(r.Result.Weights)).Where(BackboneWeights.DiffersFromPapers).Distinct().ToList();
        if (differing.Count == 0) return null;
        var kinds = differing.Select(BackboneWeights.KindOf).ToHashSet();
        var why = new List<string>();
        if (kinds.Contains(WeightsKind.Random)) why.Add("Random weights carry no ImageNet training at all: these numbers are not comparable with the paper's.");
        if (kinds.Contains(WeightsKind.Cntk)) why.Add("Numbers differ from the paper's even where everything else is the same.");
        return $"{WeightsMarker} Backbone weights are not the paper's torchvision IMAGENET1K_V1: {string.Join("; ", differing)}. {string.Join(" ", why)}";
    }
}
