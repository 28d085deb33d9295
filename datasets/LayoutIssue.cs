namespace AnomalyBench.Datasets;

/// <summary>One problem found in a data set's folders: the file or folder and what is wrong or expected there.</summary>
public sealed record LayoutIssue(IssueSeverity Severity, string Path, string Message)
{
    public static LayoutIssue Error(string path, string message) => new(IssueSeverity.Error, path, message);

    public static LayoutIssue Warning(string path, string message) => new(IssueSeverity.Warning, path, message);

    public bool IsError => Severity == IssueSeverity.Error;

    public override string ToString() => $"{(IsError ? "error" : "warning")}: {Path}: {Message}";
}
