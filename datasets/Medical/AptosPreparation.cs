using static AnomalyBench.Torch.torchvision.io;

namespace AnomalyBench.Datasets;

/// <summary>
/// Builds ReContrast's APTOS layout from the Kaggle APTOS 2019 download exactly as its
/// prepare_data/prepare_aptos.py does:
/// <list type="number">
/// <item>rows of <c>train.csv</c> (id_code, diagnosis) in file order; diagnosis 0 is normal, 1–4 abnormal;</item>
/// <item><c>random.seed(1); random.shuffle(normal)</c> (<see cref="PythonRandom"/>); the first 1,000
/// normal images are train/NORMAL, the rest test/NORMAL; every abnormal image is test/ABNORMAL;</item>
/// <item>every image through <see cref="FundusCrop"/> to 512×512, written as PNG under its own name
/// (cv2.imwrite of <c>&lt;id&gt;.png</c> writes PNG too, so the format is the reference's).</item>
/// </list>
/// </summary>
public static class AptosPreparation
{
    public const int TrainNormalCount = 1000;

    public const int ShuffleSeed = 1;

    /// <summary>The split before any pixel is touched: (train normal, test normal, test abnormal) image paths.</summary>
    public static (IReadOnlyList<string> TrainNormal, IReadOnlyList<string> TestNormal, IReadOnlyList<string> TestAbnormal) Split(string rawDir, int trainNormalCount = TrainNormalCount)
    {
        var csvPath = Path.Combine(rawDir, "train.csv");
        if (!File.Exists(csvPath))
            throw new FileNotFoundException($"{csvPath} not found; RAW_DIR must be the unzipped Kaggle APTOS 2019 download with train.csv and train_images/", csvPath);
        var imagesDir = Path.Combine(rawDir, "train_images");
        if (!Directory.Exists(imagesDir))
            throw new DirectoryNotFoundException($"{imagesDir} not found; RAW_DIR must hold train_images/ with <id_code>.png files");
        var csv = Csv.Read(csvPath);
        var c = csv.Columns("id_code", "diagnosis");
        var normal = new List<string>();
        var abnormal = new List<string>();
        foreach (var (line, fields) in csv.Rows)
        {
            if (!int.TryParse(fields.ElementAtOrDefault(c[1])?.Trim(), out var diagnosis))
                throw new InvalidDataException($"{csvPath}:{line}: diagnosis '{fields.ElementAtOrDefault(c[1])}' is not a grade 0-4");
            var path = Path.Combine(imagesDir, fields[c[0]].Trim() + ".png");
            (diagnosis == 0 ? normal : abnormal).Add(path);
        }
        new PythonRandom(ShuffleSeed).Shuffle(normal);
        var cut = Math.Min(trainNormalCount, normal.Count);
        return (normal[..cut], normal[cut..], abnormal);
    }

    public static PreparationReport Prepare(string rawDir, string outDir, Action<string>? log = null)
    {
        var (train, testNormal, testAbnormal) = Split(rawDir);
        var missing = train.Concat(testNormal).Concat(testAbnormal).Where(p => !File.Exists(p)).ToList();
        if (missing.Count > 0)
            throw new FileNotFoundException($"{missing.Count} image(s) listed in train.csv are missing from train_images/, e.g. {missing[0]}; re-extract the download", missing[0]);
        using var staging = new StagingFolder(outDir);
        var jobs = new List<(string Source, string Folder)>();
        jobs.AddRange(train.Select(p => (p, staging.Folder("train", "NORMAL"))));
        jobs.AddRange(testNormal.Select(p => (p, staging.Folder("test", "NORMAL"))));
        jobs.AddRange(testAbnormal.Select(p => (p, staging.Folder("test", "ABNORMAL"))));
        var done = 0;
        Parallelism.ForEach(jobs, job =>
        {
            using var rgb = ImagePipeline.ReadRgb(job.Source);
            Torch.Tensor cropped;
            try
            {
                cropped = FundusCrop.Apply(rgb);
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"{job.Source}: {e.Message}", e);
            }
            using (cropped) write_png(cropped, Path.Combine(job.Folder, Path.GetFileName(job.Source)));
            var n = Interlocked.Increment(ref done);
            if (n % 250 == 0) log?.Invoke($"{n} / {jobs.Count} images cropped");
        });
        staging.Commit();
        return new PreparationReport("aptos", staging.Target,
            [("train/NORMAL", train.Count), ("test/NORMAL", testNormal.Count), ("test/ABNORMAL", testAbnormal.Count)]);
    }
}
