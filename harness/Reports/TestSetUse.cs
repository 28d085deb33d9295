using AnomalyBench.Harness.Runs;

namespace AnomalyBench.Harness.Reports;

/// <summary>
/// How tables mark the runs whose numbers the test set informed (<see cref="RunResult.UsesTestSet"/>): a published
/// test-set selection (<c>selection: best_test_epoch</c>) or transductive scoring. Such a method's label carries
/// <see cref="Marker"/> in every table, one note says what it means, and rankings and paired tests leave it out, so
/// that a paper's protocol can be reproduced beside the honest number without ever being compared as if it were one.
/// </summary>
public static class TestSetUse
{
    public const string Marker = "‡";

    /// <summary><paramref name="method"/> with <see cref="Marker"/> when any of its <paramref name="runs"/> used the test set.</summary>
    public static string Label(string method, IEnumerable<RunResult> runs) => runs.Any(r => r.UsesTestSet) ? $"{method} {Marker}" : method;

    /// <summary>The note that explains <see cref="Marker"/> for <paramref name="runs"/>, or null when none used the test set.</summary>
    public static string? Note(IEnumerable<RunResult> runs)
    {
        var marked = runs.Where(r => r.UsesTestSet).ToList();
        if (marked.Count == 0) return null;
        var how = new List<string>();
        if (marked.Any(r => r.Selection is not null))
            how.Add("selection: best_test_epoch (the official trainer's choice among the per-epoch test-set evaluations; metrics.json keeps the last epoch's numbers beside them)");
        if (marked.Any(r => r.IsTransductive))
            how.Add("image scores normalised with statistics of the whole test set (transductive)");
        return $"{Marker} The test set informed these numbers: {string.Join("; ", how)}. This is the published protocol, an upper bound; " +
               "these rows are not ranked and not tested against rows chosen without the test set.";
    }
}
