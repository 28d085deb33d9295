namespace AnomalyBench.Datasets;

/// <summary>
/// Reads the image-level medical sets in the layout of ReContrast's MedicalDataset
/// (guojiajeremy/ReContrast dataset.py and README §2):
/// <code>
/// &lt;root&gt;/train/NORMAL/*            normal training images
/// &lt;root&gt;/test/NORMAL/*             normal test images
/// &lt;root&gt;/test/&lt;other&gt;/*            abnormal test images (APTOS, ISIC2018: ABNORMAL; OCT2017: CNV, DME, DRUSEN)
/// </code>
/// As in MedicalDataset, the folder NORMAL is label 0 and every other test folder label 1;
/// non-NORMAL training folders (the OCT2017 download has them) are skipped: training is
/// normal-only (SSM's README asks to remove them for Retinal-OCT). There are no masks, so
/// pixel metrics are not applicable. One category, named after the data set.
/// </summary>
public sealed class MedicalFolderReader : DatasetReader
{
    public const string Normal = "NORMAL";

    private readonly IReadOnlyList<string> _abnormalFolders;
    private readonly string _preparation;

    private MedicalFolderReader(string kind, string root, string displayName, IReadOnlyList<string> abnormalFolders, string preparation)
        : base(kind, root, displayName)
    {
        _abnormalFolders = abnormalFolders;
        _preparation = preparation;
    }

    /// <summary>APTOS 2019 blindness detection as prepared by ReContrast's prepare_aptos.py (<c>harness prepare aptos</c>).</summary>
    public static MedicalFolderReader Aptos(string root) =>
        new("aptos", root, "APTOS 2019", ["ABNORMAL"], "build it with: harness prepare aptos RAW_DIR OUT_DIR");

    /// <summary>ISIC 2018 Task 3 as prepared by ReContrast's prepare_isic2018.py (<c>harness prepare isic2018</c>).</summary>
    public static MedicalFolderReader Isic2018(string root) =>
        new("isic2018", root, "ISIC 2018 Task 3", ["ABNORMAL"], "build it with: harness prepare isic2018 RAW_DIR OUT_DIR");

    /// <summary>OCT2017 (Kermany et al., ZhangLabData CellData/OCT) as ReContrast uses it.</summary>
    public static MedicalFolderReader Oct2017(string root) =>
        new("oct2017", root, "OCT2017", ["CNV", "DME", "DRUSEN"], "build it with: harness prepare oct2017 RAW_DIR OUT_DIR");

    /// <summary>SSM's Retinal-OCT: the same OCT2017 folders (MediaBrain-SJTU/SSM datasets/retinaOCT.py, ImageFolder on train/ and test/).</summary>
    public static MedicalFolderReader RetinalOct(string root) =>
        new("retinal-oct", root, "Retinal-OCT (OCT2017)", ["CNV", "DME", "DRUSEN"], "build it with: harness prepare oct2017 RAW_DIR OUT_DIR");

    protected override IReadOnlyList<string> FindCategories(List<LayoutIssue> issues)
    {
        if (!CheckRoot(issues, $"expected {DisplayName} with train/NORMAL, test/NORMAL and test/{string.Join(", test/", _abnormalFolders)}; {_preparation}"))
            return [];
        foreach (var folder in ImageFiles.Folders(Root).Where(f => Path.GetFileName(f) is not ("train" or "test")))
            issues.Add(LayoutIssue.Warning(folder, "ignored: only train/ and test/ are read"));
        return [Kind];
    }

    protected override string CategoryPath(string category) => Root;

    protected override DatasetCategory? ReadCategory(string category, List<LayoutIssue> issues)
    {
        var trainDir = Path.Combine(Root, "train");
        var testDir = Path.Combine(Root, "test");
        var train = RequireImages(Path.Combine(trainDir, Normal), issues, $"the normal training images in train/NORMAL; {_preparation}")
            .Select(p => new Sample(p, null, Label.Normal, Normal, category)).ToList();
        if (Directory.Exists(trainDir))
        {
            foreach (var other in ImageFiles.Folders(trainDir).Where(f => Path.GetFileName(f) != Normal))
                issues.Add(LayoutIssue.Warning(other, "ignored: training is normal-only (ReContrast's MedicalDataset skips non-NORMAL training folders)"));
        }

        var test = new List<Sample>();
        if (RequireFolder(testDir, issues, $"test/NORMAL and test/{string.Join(", test/", _abnormalFolders)}; {_preparation}"))
        {
            test.AddRange(RequireImages(Path.Combine(testDir, Normal), issues, "the normal test images in test/NORMAL")
                .Select(p => new Sample(p, null, Label.Normal, Normal, category)));
            var abnormal = ImageFiles.FolderNames(testDir).Where(n => n != Normal).ToList();
            foreach (var expected in _abnormalFolders.Where(e => !abnormal.Contains(e)))
            {
                issues.Add(abnormal.Count == 0
                    ? LayoutIssue.Error(Path.Combine(testDir, expected), $"folder not found; expected the abnormal test images of {DisplayName} in test/{string.Join(", test/", _abnormalFolders)}")
                    : LayoutIssue.Warning(Path.Combine(testDir, expected), $"folder not found; {DisplayName} has abnormal test images in test/{string.Join(", test/", _abnormalFolders)}"));
            }
            foreach (var name in abnormal)
            {
                if (!_abnormalFolders.Contains(name))
                    issues.Add(LayoutIssue.Warning(Path.Combine(testDir, name), $"not a {DisplayName} class folder; its images are read as abnormal (every folder other than NORMAL is)"));
                test.AddRange(ImageFiles.List(Path.Combine(testDir, name), issues).Select(p => new Sample(p, null, Label.Anomalous, name, category)));
            }
        }
        return new DatasetCategory(Kind, category, Root, train, test, HasPixelMasks: false, []);
    }
}
