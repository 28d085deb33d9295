namespace AnomalyBench.Datasets;

/// <summary>An error makes a category unreadable; a warning is reported and the data are still used.</summary>
public enum IssueSeverity
{
    Warning,
    Error,
}
