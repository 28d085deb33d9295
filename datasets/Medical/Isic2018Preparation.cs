using System.Globalization;

namespace AnomalyBench.Datasets;

/// <summary>
/// Builds ReContrast's ISIC2018 layout from the ISIC 2018 Task 3 download exactly as its
/// prepare_data/prepare_isic2018.py does: the nevus class NV (column 2 of the ground-truth CSV:
/// image, MEL, NV, BCC, AKIEC, BKL, DF, VASC) is normal; NV images of the official Training set
/// are train/NORMAL; the official Validation set is the test set, NV in test/NORMAL and the six
/// other classes in test/ABNORMAL. Files are copied byte for byte (JPEG as downloaded).
/// </summary>
public static class Isic2018Preparation
{
    public const string TrainingCsv = "ISIC2018_Task3_Training_GroundTruth/ISIC2018_Task3_Training_GroundTruth.csv";
    public const string ValidationCsv = "ISIC2018_Task3_Validation_GroundTruth/ISIC2018_Task3_Validation_GroundTruth.csv";
    public const string TrainingInput = "ISIC2018_Task3_Training_Input";
    public const string ValidationInput = "ISIC2018_Task3_Validation_Input";

    /// <summary>(image paths, is NV) of a ground-truth CSV, in file order.</summary>
    private static List<(string Path, bool Normal)> Read(string rawDir, string csvRelative, string inputRelative)
    {
        var csvPath = Path.Combine(rawDir, csvRelative);
        if (!File.Exists(csvPath))
            throw new FileNotFoundException($"{csvPath} not found; RAW_DIR must hold the unzipped Task 3 Training/Validation Input and GroundTruth folders", csvPath);
        var inputDir = Path.Combine(rawDir, inputRelative);
        if (!Directory.Exists(inputDir))
            throw new DirectoryNotFoundException($"{inputDir} not found; unzip {inputRelative}.zip into RAW_DIR");
        var csv = Csv.Read(csvPath);
        csv.Columns("image", "NV");
        var result = new List<(string, bool)>();
        foreach (var (line, fields) in csv.Rows)
        {
            // prepare_isic2018.py tests the value at index 2 (NV) == 1; the CSV stores 0.0/1.0.
            if (fields.Length < 3 || !double.TryParse(fields[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var nv))
                throw new InvalidDataException($"{csvPath}:{line}: expected image,MEL,NV,... with a number in the NV column");
            result.Add((Path.Combine(inputDir, fields[0].Trim() + ".jpg"), nv == 1));
        }
        return result;
    }

    public static PreparationReport Prepare(string rawDir, string outDir, Action<string>? log = null)
    {
        var training = Read(rawDir, TrainingCsv, TrainingInput);
        var validation = Read(rawDir, ValidationCsv, ValidationInput);
        var jobs = training.Where(t => t.Normal).Select(t => (t.Path, Folder: "train/NORMAL"))
            .Concat(validation.Select(v => (v.Path, Folder: v.Normal ? "test/NORMAL" : "test/ABNORMAL"))).ToList();
        var missing = jobs.Where(j => !File.Exists(j.Path)).ToList();
        if (missing.Count > 0)
            throw new FileNotFoundException($"{missing.Count} image(s) listed in the ground truth are missing, e.g. {missing[0].Path}; re-extract the download", missing[0].Path);
        using var staging = new StagingFolder(outDir);
        foreach (var (path, folder) in jobs)
            File.Copy(path, Path.Combine(staging.Folder(folder.Split('/')), Path.GetFileName(path)));
        log?.Invoke($"{jobs.Count} images copied");
        staging.Commit();
        return new PreparationReport("isic2018", staging.Target,
            jobs.GroupBy(j => j.Folder).Select(g => (g.Key, g.Count())).OrderBy(g => g.Key.StartsWith("test", StringComparison.Ordinal)).ThenBy(g => g.Key, StringComparer.Ordinal).ToList());
    }
}
