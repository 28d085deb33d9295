namespace AnomalyBench.Tests.Harness;

/// <summary>An experiment file on a tiny generated data set (48 px, 2 training and 6 test images per category), results under the file's folder.</summary>
internal static class TinyExperiment
{
    /// <param name="methods">the <c>methods:</c> list, indented by two spaces.</param>
    /// <param name="extra">more top-level keys (<c>weights_folder: weights</c>).</param>
    public static string Write(string dir, string methods, string categories = "[fabric]", string seeds = "[0]", string extra = "", string experiment = "tiny")
    {
        var path = Path.Combine(dir, "experiment.yaml");
        File.WriteAllText(path, $"""
            experiment: {experiment}
            output: results
            device: cpu
            seeds: {seeds}
            {extra}
            datasets:
              - kind: synthetic
                root: cache
                categories: {categories}
                synthetic: {"{"}image_size: 48, train_count: 2, test_count: 6{"}"}
            methods:
            {methods}
            """);
        return path;
    }
}
