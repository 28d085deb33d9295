using System.CommandLine;
using AnomalyBench.Datasets;

namespace AnomalyBench.Harness.Commands;

/// <summary>
/// <c>harness prepare aptos|isic2018|oct2017 RAW_DIR OUT_DIR</c>: builds the medical layouts from the
/// raw downloads exactly as ReContrast's prepare_data scripts do, so that published numbers are
/// comparable. OUT_DIR must not exist; it appears only once complete.
/// </summary>
internal static class PrepareCommand
{
    public static Command Create()
    {
        var command = new Command("prepare", "Build a medical data set's layout from its raw download (ReContrast's preparation).")
        {
            Sub("aptos", "APTOS 2019 (Kaggle: train.csv, train_images/): diagnosis 0 normal; random.seed(1) shuffle, 1,000 normal training images; fundus crop to 512x512 PNG.",
                AptosPreparation.Prepare),
            Sub("isic2018", "ISIC 2018 Task 3 (Training/Validation Input and GroundTruth): NV normal; Training NV -> train, Validation -> test.",
                Isic2018Preparation.Prepare),
            Sub("oct2017", "OCT2017 (ZhangLabData CellData/OCT): train/NORMAL and test/{CNV,DME,DRUSEN,NORMAL}.",
                Oct2017Preparation.Prepare),
        };
        return command;
    }

    private static Command Sub(string name, string description, Func<string, string, Action<string>?, PreparationReport> prepare)
    {
        var raw = new Argument<DirectoryInfo>("raw-dir") { Description = "The unzipped download." };
        var output = new Argument<DirectoryInfo>("out-dir") { Description = "Where to write the prepared set (must not exist)." };
        var command = new Command(name, description) { raw, output };
        command.SetAction(parse =>
        {
            var writer = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var rawDir = parse.GetValue(raw)!;
            if (!rawDir.Exists)
            {
                error.WriteLine($"raw data folder not found: {rawDir.FullName}");
                return 2;
            }
            try
            {
                var report = prepare(rawDir.FullName, parse.GetValue(output)!.FullName, writer.WriteLine);
                writer.WriteLine($"{name}: {report.Total} images written to {report.Output}");
                foreach (var (folder, count) in report.Counts) writer.WriteLine($"  {folder,-14} {count,6}");
                return 0;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                error.WriteLine(e.Message);
                return 2;
            }
        });
        return command;
    }
}
