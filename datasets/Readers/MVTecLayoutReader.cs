namespace AnomalyBench.Datasets;

/// <summary>
/// Reads the MVTec AD layout (the MVTec AD download, the synthetic set, any user data in
/// the same layout):
/// <code>
/// &lt;root&gt;/&lt;category&gt;/train/good/*.png                 normal training images
/// &lt;root&gt;/&lt;category&gt;/test/good/*.png                  normal test images (no mask: all zero)
/// &lt;root&gt;/&lt;category&gt;/test/&lt;defect&gt;/NAME.png            defective test images
/// &lt;root&gt;/&lt;category&gt;/ground_truth/&lt;defect&gt;/NAME_mask.png their masks (0 / 255)
/// </code>
/// Masks are paired with images by name (anomalib's make_mvtec_dataset), never by sort order.
/// </summary>
public sealed class MVTecLayoutReader : DatasetReader
{
    private readonly IReadOnlyList<string>? _knownCategories;
    private readonly bool _requireMasks;
    private readonly bool _rootMayBeCategory;

    private MVTecLayoutReader(string kind, string root, string displayName, IReadOnlyList<string>? knownCategories, bool requireMasks, bool rootMayBeCategory)
        : base(kind, root, displayName)
    {
        _knownCategories = knownCategories;
        _requireMasks = requireMasks;
        _rootMayBeCategory = rootMayBeCategory;
    }

    /// <summary>The MVTec AD download: warns about missing or unknown categories and counts that differ from the published ones.</summary>
    public static MVTecLayoutReader MVTecAd(string root) =>
        new("mvtec", root, "MVTec AD", Datasets.MVTecAd.Categories, requireMasks: true, rootMayBeCategory: false);

    /// <summary>
    /// Any data in the MVTec AD layout. A category without a ground_truth folder is read as
    /// image-level only (pixel metrics not applicable). A root that itself holds train/ and
    /// test/ is one category named after the folder.
    /// </summary>
    public static MVTecLayoutReader Folder(string root) =>
        new("folder", root, "folder data set (MVTec AD layout)", null, requireMasks: false, rootMayBeCategory: true);

    /// <summary>A set written by <see cref="SyntheticDataset"/>: the MVTec AD layout with masks for every defect.</summary>
    public static MVTecLayoutReader Synthetic(string root) =>
        new("synthetic", root, "synthetic data set", null, requireMasks: true, rootMayBeCategory: false);

    private bool RootIsCategory => _rootMayBeCategory && Directory.Exists(Path.Combine(Root, "train"));

    protected override string CategoryPath(string category) => RootIsCategory ? Root : Path.Combine(Root, category);

    protected override IReadOnlyList<string> FindCategories(List<LayoutIssue> issues)
    {
        if (!CheckRoot(issues, $"expected the {DisplayName} root with one folder per category, each holding train/good, test/ and ground_truth/"))
            return [];
        if (RootIsCategory) return [Path.GetFileName(Root.TrimEnd(Path.DirectorySeparatorChar))];

        var found = new List<string>();
        foreach (var folder in ImageFiles.Folders(Root))
        {
            var name = Path.GetFileName(folder);
            if (!Directory.Exists(Path.Combine(folder, "train")) && !Directory.Exists(Path.Combine(folder, "test")))
            {
                issues.Add(LayoutIssue.Warning(folder, "ignored: not a category (no train/ or test/ folder inside)"));
                continue;
            }
            if (_knownCategories is not null && !_knownCategories.Contains(name))
                issues.Add(LayoutIssue.Warning(folder, $"'{name}' is not a {DisplayName} category ({string.Join(", ", _knownCategories)}); it is read with the same layout"));
            found.Add(name);
        }
        if (found.Count == 0)
        {
            var hint = Directory.Exists(Path.Combine(Root, "train"))
                ? $"; this folder itself looks like one category: give its parent folder as the root (or use kind 'folder')"
                : _knownCategories is null ? "" : $" (categories: {string.Join(", ", _knownCategories)})";
            issues.Add(LayoutIssue.Error(Root, $"no category folders; expected <category>/train/good, <category>/test/ and <category>/ground_truth/ under this folder{hint}"));
        }
        return found;
    }

    protected override DatasetCategory? ReadCategory(string category, List<LayoutIssue> issues)
    {
        var dir = CategoryPath(category);
        var train = ReadTrain(dir, category, issues);
        var (test, hasMasks) = ReadTest(dir, category, issues);
        return new DatasetCategory(Kind, category, dir, train, test, hasMasks, []);
    }

    private static List<Sample> ReadTrain(string dir, string category, List<LayoutIssue> issues)
    {
        var trainDir = Path.Combine(dir, "train");
        if (!RequireFolder(trainDir, issues, $"{category}/train/good with the normal training images")) return [];
        foreach (var other in ImageFiles.Folders(trainDir).Where(f => Path.GetFileName(f) != Datasets.MVTecAd.Good))
            issues.Add(LayoutIssue.Warning(other, "ignored: training uses only train/good (normal images)"));
        var images = RequireImages(Path.Combine(trainDir, Datasets.MVTecAd.Good), issues, $"the normal training images of {category} in train/good");
        return images.Select(p => new Sample(p, null, Label.Normal, Datasets.MVTecAd.Good, category)).ToList();
    }

    private (List<Sample> Test, bool HasMasks) ReadTest(string dir, string category, List<LayoutIssue> issues)
    {
        var testDir = Path.Combine(dir, "test");
        if (!RequireFolder(testDir, issues, $"{category}/test/good and {category}/test/<defect type>/ with the test images")) return ([], _requireMasks);

        var samples = new List<Sample>();
        var good = RequireImages(Path.Combine(testDir, Datasets.MVTecAd.Good), issues,
            "the normal test images in test/good (image-level metrics need normal and defective test images)");
        samples.AddRange(good.Select(p => new Sample(p, null, Label.Normal, Datasets.MVTecAd.Good, category)));

        var defects = ImageFiles.FolderNames(testDir).Where(n => n != Datasets.MVTecAd.Good).ToList();
        if (defects.Count == 0)
            issues.Add(LayoutIssue.Error(testDir, "no defect folders; expected test/<defect type>/ folders with the defective images beside test/good"));

        var gtDir = Path.Combine(dir, "ground_truth");
        var hasMasks = true;
        if (!Directory.Exists(gtDir))
        {
            if (_requireMasks)
            {
                issues.Add(LayoutIssue.Error(gtDir, $"folder not found; expected ground_truth/<defect type>/<image name>{Datasets.MVTecAd.MaskSuffix}.png for every defective test image"));
            }
            else
            {
                hasMasks = false;
                issues.Add(LayoutIssue.Warning(gtDir, "no ground_truth folder: pixel masks are absent, so pixel metrics are not applicable for this category"));
            }
        }
        else
        {
            foreach (var other in ImageFiles.Folders(gtDir).Where(f => !defects.Contains(Path.GetFileName(f))))
            {
                var name = Path.GetFileName(other);
                issues.Add(LayoutIssue.Warning(other, name == Datasets.MVTecAd.Good
                    ? "ignored: good test images have no masks (they are all zero)"
                    : $"ignored: no test/{name} folder holds images for these masks"));
            }
        }

        foreach (var defect in defects)
        {
            var images = ImageFiles.List(Path.Combine(testDir, defect), issues);
            if (images.Count == 0)
            {
                issues.Add(LayoutIssue.Warning(Path.Combine(testDir, defect), $"no images ({ImageFiles.ExtensionList}); defect type '{defect}' is skipped"));
                continue;
            }
            var masks = hasMasks ? PairMasks(Path.Combine(gtDir, defect), defect, images, issues) : null;
            for (var i = 0; i < images.Count; i++)
                samples.Add(new Sample(images[i], masks?[i], Label.Anomalous, defect, category));
        }
        return (samples, hasMasks);
    }

    /// <summary>NAME.ext in test/&lt;defect&gt; ↔ NAME_mask.png in ground_truth/&lt;defect&gt; (any decodable extension accepted).</summary>
    private static string?[] PairMasks(string maskDir, string defect, List<string> images, List<LayoutIssue> issues)
    {
        var result = new string?[images.Count];
        if (!RequireFolder(maskDir, issues, $"the masks of test/{defect}: <image name>{Datasets.MVTecAd.MaskSuffix}.png for each image"))
            return result;
        var masks = ImageFiles.ByStem(ImageFiles.List(maskDir, issues), issues);
        var used = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < images.Count; i++)
        {
            var stem = Path.GetFileNameWithoutExtension(images[i]) + Datasets.MVTecAd.MaskSuffix;
            if (masks.TryGetValue(stem, out var mask))
            {
                result[i] = mask;
                used.Add(stem);
            }
            else
            {
                issues.Add(LayoutIssue.Error(Path.Combine(maskDir, stem + ".png"),
                    $"mask not found for test image {images[i]}; MVTec AD names the mask of NAME.png NAME{Datasets.MVTecAd.MaskSuffix}.png"));
            }
        }
        foreach (var (stem, path) in masks)
        {
            if (!used.Contains(stem))
                issues.Add(LayoutIssue.Warning(path, $"ignored: no test image test/{defect}/{(stem.EndsWith(Datasets.MVTecAd.MaskSuffix, StringComparison.Ordinal) ? stem[..^Datasets.MVTecAd.MaskSuffix.Length] : stem)}.* for this mask"));
        }
        return result;
    }

    protected override void CheckCounts(IReadOnlyList<string> found, IReadOnlyList<DatasetCategory> categories, List<LayoutIssue> issues)
    {
        if (_knownCategories is null) return;
        var missing = _knownCategories.Where(c => !found.Contains(c)).ToList();
        if (missing.Count > 0)
            issues.Add(LayoutIssue.Warning(Root, $"{missing.Count} of the {_knownCategories.Count} {DisplayName} categories are missing: {string.Join(", ", missing)}"));
        if (missing.Count > 0 || categories.Count != _knownCategories.Count) return;
        var train = categories.Sum(c => c.Train.Count);
        var test = categories.Sum(c => c.Test.Count);
        CompareCount(issues, Root, "training images", train, Datasets.MVTecAd.PublishedTrainCount, "MVTec AD");
        CompareCount(issues, Root, "test images", test, Datasets.MVTecAd.PublishedTestCount, "MVTec AD");
    }
}
