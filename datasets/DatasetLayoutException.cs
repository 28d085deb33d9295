namespace AnomalyBench.Datasets;

/// <summary>A data set (or one category of it) is not laid out as its reader expects; the message lists the problems.</summary>
public sealed class DatasetLayoutException : Exception
{
    /// <summary>More lines than this are summarised: a missing image folder would otherwise list every file of it.</summary>
    private const int MaxListed = 25;

    public DatasetLayoutException(string what, IReadOnlyList<LayoutIssue> issues)
        : base(Format(what, issues))
    {
        Issues = issues;
    }

    public IReadOnlyList<LayoutIssue> Issues { get; }

    private static string Format(string what, IReadOnlyList<LayoutIssue> issues)
    {
        var errors = issues.Where(i => i.IsError).ToList();
        var lines = (errors.Count == 0 ? issues : errors).Select(i => i.ToString()).ToList();
        var shown = lines.Take(MaxListed).ToList();
        if (lines.Count > MaxListed) shown.Add($"... and {lines.Count - MaxListed} more");
        return $"{what}: {lines.Count} problem(s) in the data set layout:{Environment.NewLine}  "
            + string.Join(Environment.NewLine + "  ", shown);
    }
}
