namespace AnomalyBench.Datasets;

/// <summary>
/// The common part of every reader: the root check, the category lookup, turning
/// collected problems into one <see cref="DatasetLayoutException"/>, and the inspection
/// that the <c>harness datasets</c> command prints.
/// </summary>
public abstract class DatasetReader : IDatasetReader
{
    protected DatasetReader(string kind, string root, string displayName)
    {
        Kind = kind;
        Root = Path.GetFullPath(root);
        DisplayName = displayName;
    }

    public string Kind { get; }

    public string Root { get; }

    /// <summary>The data set's own name for messages: "MVTec AD", "VisA", ...</summary>
    public string DisplayName { get; }

    public IReadOnlyList<string> Categories
    {
        get
        {
            var issues = new List<LayoutIssue>();
            var found = FindCategories(issues);
            ThrowOnErrors($"{DisplayName} at {Root}", issues);
            return found;
        }
    }

    public DatasetCategory Read(string category)
    {
        var issues = new List<LayoutIssue>();
        var found = FindCategories(issues);
        ThrowOnErrors($"{DisplayName} at {Root}", issues);
        if (!found.Contains(category, StringComparer.Ordinal))
        {
            issues.Add(LayoutIssue.Error(CategoryPath(category),
                $"category '{category}' not found; categories here: {(found.Count == 0 ? "none" : string.Join(", ", found))}"));
            ThrowOnErrors($"{DisplayName} at {Root}", issues);
        }
        issues.Clear();
        var result = ReadCategory(category, issues);
        if (result is null && !issues.Any(i => i.IsError))
            issues.Add(LayoutIssue.Error(CategoryPath(category), "no samples could be read from this category"));
        ThrowOnErrors($"{DisplayName} category '{category}' at {Root}", issues);
        return result! with { Warnings = issues.ToList() };
    }

    public DatasetInspection Inspect()
    {
        var issues = new List<LayoutIssue>();
        var found = FindCategories(issues);
        var categories = new List<DatasetCategory>();
        if (!issues.Any(i => i.IsError))
        {
            foreach (var name in found)
            {
                var own = new List<LayoutIssue>();
                var category = ReadCategory(name, own);
                issues.AddRange(own);
                if (category is not null) categories.Add(category with { Warnings = own.Where(i => !i.IsError).ToList() });
            }
            CheckCounts(found, categories, issues);
        }
        return new DatasetInspection(Kind, Root, categories, issues);
    }

    /// <summary>The categories present, after checking the root; problems go to <paramref name="issues"/>.</summary>
    protected abstract IReadOnlyList<string> FindCategories(List<LayoutIssue> issues);

    /// <summary>Lists one category's samples; returns null only when nothing of it could be read.</summary>
    protected abstract DatasetCategory? ReadCategory(string category, List<LayoutIssue> issues);

    /// <summary>Where a category would be, for "not found" messages.</summary>
    protected virtual string CategoryPath(string category) => Path.Combine(Root, category);

    /// <summary>Compares what was found with the published counts (warnings only).</summary>
    protected virtual void CheckCounts(IReadOnlyList<string> found, IReadOnlyList<DatasetCategory> categories, List<LayoutIssue> issues)
    {
    }

    /// <summary>An error for a missing root, with the reader's expectation.</summary>
    protected bool CheckRoot(List<LayoutIssue> issues, string expectation)
    {
        if (Directory.Exists(Root)) return true;
        issues.Add(LayoutIssue.Error(Root, File.Exists(Root)
            ? $"is a file, not a folder; {expectation}"
            : $"folder not found; {expectation}"));
        return false;
    }

    /// <summary>Checks that <paramref name="folder"/> exists; otherwise records an error with what it should hold.</summary>
    protected static bool RequireFolder(string folder, List<LayoutIssue> issues, string expectation)
    {
        if (Directory.Exists(folder)) return true;
        issues.Add(LayoutIssue.Error(folder, $"folder not found; expected {expectation}"));
        return false;
    }

    /// <summary>The image files of a required folder; an error when it is missing or holds no image.</summary>
    protected static List<string> RequireImages(string folder, List<LayoutIssue> issues, string expectation)
    {
        if (!RequireFolder(folder, issues, expectation)) return [];
        var images = ImageFiles.List(folder, issues);
        if (images.Count == 0)
            issues.Add(LayoutIssue.Error(folder, $"no images ({ImageFiles.ExtensionList}); expected {expectation}"));
        return images;
    }

    protected static void ThrowOnErrors(string what, List<LayoutIssue> issues)
    {
        if (issues.Any(i => i.IsError)) throw new DatasetLayoutException(what, issues.ToList());
    }

    /// <summary>Published-count check: a warning naming both numbers when they differ.</summary>
    protected static void CompareCount(List<LayoutIssue> issues, string path, string what, int found, int published, string source)
    {
        if (found != published)
            issues.Add(LayoutIssue.Warning(path, $"{found} {what}, the published {source} has {published}; the download may be incomplete or modified"));
    }
}
