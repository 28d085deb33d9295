namespace AnomalyBench.Datasets;

/// <summary>
/// Listing helpers shared by the readers: image files by extension, sub-folders, both in
/// ordinal order so that every run sees the same sample order on every file system.
/// </summary>
internal static class ImageFiles
{
    /// <summary>What the decoder (stb_image) reads and the data sets use: MVTec AD .png, VisA .JPG, BTAD .bmp, ISIC .jpg.</summary>
    public static readonly IReadOnlySet<string> Extensions =
        new HashSet<string>([".png", ".jpg", ".jpeg", ".bmp"], StringComparer.OrdinalIgnoreCase);

    public const string ExtensionList = ".png, .jpg, .jpeg, .bmp";

    public static bool IsImage(string path) => Extensions.Contains(Path.GetExtension(path));

    private static bool IsHidden(string path) => Path.GetFileName(path).StartsWith('.') || Path.GetFileName(path) is "Thumbs.db" or "desktop.ini";

    /// <summary>The image files of a folder by name; other files are reported as ignored (TIFF as an error: the decoder cannot read it).</summary>
    public static List<string> List(string folder, List<LayoutIssue> issues)
    {
        var images = new List<string>();
        foreach (var file in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
        {
            if (IsHidden(file)) continue;
            if (IsImage(file))
            {
                images.Add(file);
            }
            else if (Path.GetExtension(file).ToLowerInvariant() is ".tif" or ".tiff")
            {
                issues.Add(LayoutIssue.Error(file, $"TIFF images cannot be decoded (the decoder reads {ExtensionList}); convert it to PNG"));
            }
            else
            {
                issues.Add(LayoutIssue.Warning(file, $"ignored: not an image ({ExtensionList})"));
            }
        }
        return images;
    }

    /// <summary>The visible sub-folders of a folder, by name.</summary>
    public static List<string> Folders(string folder) =>
        Directory.EnumerateDirectories(folder).Where(d => !IsHidden(d)).Order(StringComparer.Ordinal).ToList();

    /// <summary>Names of the visible sub-folders.</summary>
    public static List<string> FolderNames(string folder) => Folders(folder).Select(d => Path.GetFileName(d)).ToList();

    /// <summary>Files directly in a folder that are not hidden (for "unexpected file" warnings).</summary>
    public static IEnumerable<string> LooseFiles(string folder) =>
        Directory.EnumerateFiles(folder).Where(f => !IsHidden(f)).Order(StringComparer.Ordinal);

    /// <summary>Index of image files by name without extension (masks are paired with images by stem, never by sort order).</summary>
    public static Dictionary<string, string> ByStem(IEnumerable<string> files, List<LayoutIssue> issues)
    {
        var byStem = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var stem = Path.GetFileNameWithoutExtension(file);
            if (!byStem.TryAdd(stem, file))
                issues.Add(LayoutIssue.Error(file, $"two files share the name '{stem}' ({Path.GetFileName(byStem[stem])} and {Path.GetFileName(file)}); masks are paired by name, so keep one"));
        }
        return byStem;
    }
}
