namespace AnomalyBench.Datasets;

/// <summary>
/// Reads BTAD (beanTech Anomaly Detection, "BTech_Dataset_transformed"):
/// <code>
/// &lt;root&gt;/{01,02,03}/train/ok/*          normal training images
/// &lt;root&gt;/{01,02,03}/test/ok/*           normal test images
/// &lt;root&gt;/{01,02,03}/test/ko/*           defective test images
/// &lt;root&gt;/{01,02,03}/ground_truth/ko/*   their masks, same name
/// </code>
/// Images are .bmp or .png depending on the product and masks differ in extension from
/// their images, so masks are paired by name without extension (anomalib's btech.py pairs
/// by name; ADer's sort-order pairing breaks on a missing file). Masks are binarised as value &gt; 0.
/// </summary>
public sealed class BtadReader(string root) : DatasetReader("btad", root, "BTAD")
{
    public static IReadOnlyList<string> KnownCategories { get; } = ["01", "02", "03"];

    public const string Ok = "ok";

    public const string Ko = "ko";

    protected override IReadOnlyList<string> FindCategories(List<LayoutIssue> issues)
    {
        if (!CheckRoot(issues, "expected the BTAD root (BTech_Dataset_transformed) with the product folders 01, 02, 03"))
            return [];
        var found = new List<string>();
        foreach (var folder in ImageFiles.Folders(Root))
        {
            var name = Path.GetFileName(folder);
            if (!Directory.Exists(Path.Combine(folder, "train")) && !Directory.Exists(Path.Combine(folder, "test")))
            {
                issues.Add(LayoutIssue.Warning(folder, "ignored: not a product folder (no train/ or test/ inside)"));
                continue;
            }
            if (!KnownCategories.Contains(name))
                issues.Add(LayoutIssue.Warning(folder, $"'{name}' is not a BTAD product ({string.Join(", ", KnownCategories)}); it is read with the same layout"));
            found.Add(name);
        }
        if (found.Count == 0)
            issues.Add(LayoutIssue.Error(Root, "no product folders; expected 01/, 02/, 03/ each with train/ok, test/ok, test/ko and ground_truth/ko"));
        return found;
    }

    protected override DatasetCategory? ReadCategory(string category, List<LayoutIssue> issues)
    {
        var dir = Path.Combine(Root, category);
        var train = RequireImages(Path.Combine(dir, "train", Ok), issues, $"the normal training images of product {category} in train/ok")
            .Select(p => new Sample(p, null, Label.Normal, Ok, category)).ToList();
        var test = RequireImages(Path.Combine(dir, "test", Ok), issues, $"the normal test images of product {category} in test/ok")
            .Select(p => new Sample(p, null, Label.Normal, Ok, category)).ToList();
        var defective = RequireImages(Path.Combine(dir, "test", Ko), issues, $"the defective test images of product {category} in test/ko");
        var maskDir = Path.Combine(dir, "ground_truth", Ko);
        if (RequireFolder(maskDir, issues, $"the masks of test/ko, one per image with the same name (.png or .bmp)"))
        {
            var masks = ImageFiles.ByStem(ImageFiles.List(maskDir, issues), issues);
            var used = new HashSet<string>(StringComparer.Ordinal);
            foreach (var image in defective)
            {
                var stem = Path.GetFileNameWithoutExtension(image);
                if (masks.TryGetValue(stem, out var mask))
                {
                    used.Add(stem);
                    test.Add(new Sample(image, mask, Label.Anomalous, Ko, category));
                }
                else
                {
                    issues.Add(LayoutIssue.Error(Path.Combine(maskDir, stem + ".png"),
                        $"mask not found for test image {image}; BTAD names each mask like its image ({stem}.png or {stem}.bmp)"));
                }
            }
            foreach (var (stem, path) in masks.Where(m => !used.Contains(m.Key)))
                issues.Add(LayoutIssue.Warning(path, $"ignored: no test image test/ko/{stem}.* for this mask"));
        }
        if (Directory.Exists(Path.Combine(dir, "test")))
        {
            foreach (var other in ImageFiles.Folders(Path.Combine(dir, "test")).Where(f => Path.GetFileName(f) is not (Ok or Ko)))
                issues.Add(LayoutIssue.Warning(other, "ignored: BTAD's test/ holds only ok and ko"));
        }
        return new DatasetCategory(Kind, category, dir, train, test, HasPixelMasks: true, []);
    }

    protected override void CheckCounts(IReadOnlyList<string> found, IReadOnlyList<DatasetCategory> categories, List<LayoutIssue> issues)
    {
        var missing = KnownCategories.Where(c => !found.Contains(c)).ToList();
        if (missing.Count > 0)
            issues.Add(LayoutIssue.Warning(Root, $"{missing.Count} of the 3 BTAD products are missing: {string.Join(", ", missing)}"));
    }
}
