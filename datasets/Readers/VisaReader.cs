namespace AnomalyBench.Datasets;

/// <summary>
/// Reads VisA as downloaded: <c>&lt;root&gt;/&lt;category&gt;/Data/Images/{Normal,Anomaly}/*.JPG</c>,
/// <c>&lt;root&gt;/&lt;category&gt;/Data/Masks/Anomaly/*.png</c>, with the split taken from
/// <c>&lt;root&gt;/split_csv/1cls.csv</c> (columns object, split, label, image, mask; paths relative
/// to the root), the split every paper uses (spot-diff's prepare_data.py builds its
/// VisA_pytorch/1cls folders from it). Masks hold small defect-class ids, so the pipeline
/// binarises them as value &gt; 0 (anomalib's read_mask; spot-diff's prepare_data).
/// The prepared VisA_pytorch/1cls folders are in the MVTec AD layout: read them with kind <c>folder</c>.
/// </summary>
public sealed class VisaReader(string root) : DatasetReader("visa", root, "VisA")
{
    private Csv? _split;
    private readonly List<LayoutIssue> _splitIssues = [];

    private string SplitPath => Path.Combine(Root, Visa.SplitFile);

    protected override IReadOnlyList<string> FindCategories(List<LayoutIssue> issues)
    {
        if (!CheckRoot(issues, "expected the VisA root with split_csv/1cls.csv and one folder per category (candle, capsules, ...)"))
            return [];
        var split = LoadSplit(issues);
        if (split is null) return [];
        var objects = split.Rows.Select(r => r.Fields.Length > 0 ? r.Fields[ObjectColumn(split)] : "").Where(o => o.Length > 0)
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        foreach (var name in objects.Where(o => !Visa.Categories.Contains(o)))
            issues.Add(LayoutIssue.Warning(SplitPath, $"'{name}' is not a VisA category ({string.Join(", ", Visa.Categories)}); it is read all the same"));
        if (objects.Count == 0) issues.Add(LayoutIssue.Error(SplitPath, "no rows; expected object,split,label,image,mask rows for the VisA images"));
        return objects;
    }

    private static int ObjectColumn(Csv split) => split.Header.ToList().IndexOf("object");

    private Csv? LoadSplit(List<LayoutIssue> issues)
    {
        if (_split is null && _splitIssues.Count == 0)
        {
            if (!File.Exists(SplitPath))
            {
                _splitIssues.Add(LayoutIssue.Error(SplitPath,
                    "split file not found; VisA is read with its official 1-class split: copy split_csv/1cls.csv from amazon-science/spot-diff into the VisA root"));
            }
            else
            {
                try
                {
                    var csv = Csv.Read(SplitPath);
                    csv.Columns("object", "split", "label", "image", "mask");
                    _split = csv;
                }
                catch (InvalidDataException e)
                {
                    _splitIssues.Add(LayoutIssue.Error(SplitPath, e.Message.Replace(SplitPath + ": ", "")));
                }
            }
        }
        issues.AddRange(_splitIssues);
        return _split;
    }

    protected override DatasetCategory? ReadCategory(string category, List<LayoutIssue> issues)
    {
        var split = LoadSplit([]);
        if (split is null) return null;
        var dir = Path.Combine(Root, category);
        var folderOk = RequireFolder(Path.Combine(dir, "Data", "Images", "Normal"), issues, $"the normal images of {category} (VisA: <category>/Data/Images/Normal)")
            & RequireFolder(Path.Combine(dir, "Data", "Images", "Anomaly"), issues, $"the anomalous images of {category} (VisA: <category>/Data/Images/Anomaly)")
            & RequireFolder(Path.Combine(dir, "Data", "Masks", "Anomaly"), issues, $"the masks of {category} (VisA: <category>/Data/Masks/Anomaly)");

        var c = split.Columns("object", "split", "label", "image", "mask");
        var train = new List<Sample>();
        var test = new List<Sample>();
        foreach (var (line, fields) in split.Rows)
        {
            if (fields.Length <= c.Max())
            {
                issues.Add(LayoutIssue.Error($"{SplitPath}:{line}", $"{fields.Length} columns, expected 5 (object,split,label,image,mask)"));
                continue;
            }
            if (fields[c[0]] != category) continue;
            var where = $"{SplitPath}:{line}";
            var splitName = fields[c[1]].Trim();
            var labelName = fields[c[2]].Trim();
            var label = labelName switch
            {
                "normal" => Label.Normal,
                "anomaly" => Label.Anomalous,
                _ => (Label?)null,
            };
            if (label is null)
            {
                issues.Add(LayoutIssue.Error(where, $"label '{labelName}'; expected normal or anomaly"));
                continue;
            }
            if (splitName is not ("train" or "test"))
            {
                issues.Add(LayoutIssue.Error(where, $"split '{splitName}'; expected train or test"));
                continue;
            }
            if (splitName == "train" && label == Label.Anomalous)
            {
                issues.Add(LayoutIssue.Error(where, "an anomalous training image; the 1-class split trains on normal images only (is this 2cls_highshot.csv?)"));
                continue;
            }
            var image = Resolve(fields[c[3]]);
            if (!File.Exists(image))
            {
                if (folderOk) issues.Add(LayoutIssue.Error(image, $"image listed in {where} not found"));
                continue;
            }
            string? mask = null;
            if (label == Label.Anomalous)
            {
                if (fields[c[4]].Trim().Length == 0)
                {
                    issues.Add(LayoutIssue.Error(where, $"anomalous image {image} has no mask in the mask column"));
                    continue;
                }
                mask = Resolve(fields[c[4]]);
                if (!File.Exists(mask))
                {
                    if (folderOk) issues.Add(LayoutIssue.Error(mask, $"mask listed in {where} for image {image} not found"));
                    continue;
                }
            }
            var sample = new Sample(image, mask, label.Value, label == Label.Normal ? Visa.Good : Visa.Bad, category);
            (splitName == "train" ? train : test).Add(sample);
        }
        if (train.Count == 0) issues.Add(LayoutIssue.Error(SplitPath, $"no readable training images for '{category}'"));
        if (test.Count == 0) issues.Add(LayoutIssue.Error(SplitPath, $"no readable test images for '{category}'"));
        // Normal test images first, as in every other reader (the CSV interleaves them).
        test = test.OrderBy(s => s.Label).ToList();
        return new DatasetCategory(Kind, category, dir, train, test, HasPixelMasks: true, []);
    }

    private string Resolve(string relative) =>
        Path.GetFullPath(Path.Combine(Root, relative.Trim().Replace('/', Path.DirectorySeparatorChar)));

    protected override void CheckCounts(IReadOnlyList<string> found, IReadOnlyList<DatasetCategory> categories, List<LayoutIssue> issues)
    {
        var missing = Visa.Categories.Where(c => !found.Contains(c)).ToList();
        if (missing.Count > 0)
            issues.Add(LayoutIssue.Warning(SplitPath, $"{missing.Count} of the 12 VisA categories are missing: {string.Join(", ", missing)}"));
        foreach (var category in categories)
        {
            if (!Visa.PublishedCounts.TryGetValue(category.Name, out var published)) continue;
            var found3 = (category.Train.Count, category.NormalTestCount, category.AnomalousTestCount);
            if (found3 != published)
                issues.Add(LayoutIssue.Warning(category.Root,
                    $"{found3.Item1} train / {found3.Item2} normal test / {found3.Item3} anomalous test images, the published 1cls split has {published.Train} / {published.TestNormal} / {published.TestAnomaly}"));
        }
        if (missing.Count > 0 || categories.Count != Visa.Categories.Count) return;
        CompareCount(issues, Root, "training images", categories.Sum(c => c.Train.Count), Visa.PublishedTrainCount, "VisA 1cls split");
        CompareCount(issues, Root, "test images", categories.Sum(c => c.Test.Count), Visa.PublishedTestCount, "VisA 1cls split");
    }
}
