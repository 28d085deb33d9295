namespace AnomalyBench.Datasets;

/// <summary>
/// Builds the OCT2017 layout ReContrast (README §2, "move everything in ZhangLabData/CellData/OCT
/// to ../OCT2017/") and SSM (Retinal-OCT, with CNV/DME/DRUSEN removed from train/) read, from the
/// Kermany et al. download: train/NORMAL and test/{CNV,DME,DRUSEN,NORMAL}, copied byte for byte.
/// The abnormal training folders are left out: both methods train on NORMAL only (ReContrast's
/// MedicalDataset skips them), so the result serves both.
/// </summary>
public static class Oct2017Preparation
{
    public static IReadOnlyList<string> Classes { get; } = ["CNV", "DME", "DRUSEN", "NORMAL"];

    /// <summary>The folder holding train/ and test/: RAW_DIR itself, or CellData/OCT, OCT or OCT2017 under it.</summary>
    public static string Locate(string rawDir)
    {
        string[] candidates = [rawDir, Path.Combine(rawDir, "CellData", "OCT"), Path.Combine(rawDir, "OCT"), Path.Combine(rawDir, "OCT2017")];
        return candidates.FirstOrDefault(c => Directory.Exists(Path.Combine(c, "train", "NORMAL")) && Directory.Exists(Path.Combine(c, "test")))
            ?? throw new DirectoryNotFoundException(
                $"no train/NORMAL and test/ folders in {rawDir} (nor in its CellData/OCT, OCT or OCT2017); RAW_DIR must be the unzipped ZhangLabData (Mendeley rscbjbr9sj) or its CellData/OCT folder");
    }

    public static PreparationReport Prepare(string rawDir, string outDir, Action<string>? log = null)
    {
        var source = Locate(rawDir);
        var jobs = new List<(string Source, string[] Folder)>();
        var issues = new List<LayoutIssue>();
        jobs.AddRange(ImageFiles.List(Path.Combine(source, "train", "NORMAL"), issues).Select(p => (p, new[] { "train", "NORMAL" })));
        foreach (var cls in Classes)
        {
            var dir = Path.Combine(source, "test", cls);
            if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{dir} not found; the OCT2017 test set has {string.Join(", ", Classes)}");
            jobs.AddRange(ImageFiles.List(dir, issues).Select(p => (p, new[] { "test", cls })));
        }
        using var staging = new StagingFolder(outDir);
        foreach (var (path, folder) in jobs) File.Copy(path, Path.Combine(staging.Folder(folder), Path.GetFileName(path)));
        log?.Invoke($"{jobs.Count} images copied from {source}");
        staging.Commit();
        return new PreparationReport("oct2017", staging.Target,
            jobs.GroupBy(j => string.Join('/', j.Folder)).Select(g => (g.Key, g.Count())).ToList());
    }
}
