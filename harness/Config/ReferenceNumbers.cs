using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace AnomalyBench.Harness.Config;

/// <summary>
/// Numbers a paper reports, as data (<c>harness/References/&lt;method&gt;.yaml</c>): where they come
/// from, under which setting, and per category (and mean) per metric and data set. Reports set
/// reproduced numbers next to these.
/// </summary>
public sealed record ReferenceFile
{
    public string Method { get; init; } = "";
    public string Title { get; init; } = "";

    /// <summary>The paper, table or file the numbers were taken from.</summary>
    public string Source { get; init; } = "";

    /// <summary>
    /// What a reader must know before comparing any of this paper's numbers with the harness's: test-set epoch
    /// selection, per-image AUPRO, ensembles, score normalisation on the test set. Printed under every side-by-side table.
    /// </summary>
    public IReadOnlyList<string> Protocol { get; init; } = [];

    public IReadOnlyList<ReferenceEntry> Entries { get; init; } = [];
}

/// <summary>One data set's reported numbers under one setting.</summary>
public sealed record ReferenceEntry
{
    public string Dataset { get; init; } = "";

    /// <summary>percent (as most papers print) or fraction.</summary>
    public string Unit { get; init; } = "percent";

    /// <summary>Backbone, resolution, single model or ensemble, seed: what the numbers were produced with.</summary>
    public Dictionary<string, string> Setting { get; init; } = [];

    /// <summary>Protocol differences a reader must know before comparing (per-image AUPRO, test-set selection, ...).</summary>
    public string Caveats { get; init; } = "";

    /// <summary>Metric key (as in metrics.json) → category or <c>mean</c> → value.</summary>
    public Dictionary<string, Dictionary<string, double>> Metrics { get; init; } = [];

    /// <summary>A value as a fraction in [0, 1], or null when the paper does not report it.</summary>
    public double? Fraction(string metric, string category) =>
        Metrics.TryGetValue(metric, out var byCategory) && byCategory.TryGetValue(category, out var v)
            ? Unit == "percent" ? v / 100 : v
            : null;
}

public static class ReferenceNumbers
{
    /// <summary>The folder of reference files beside the harness's assembly.</summary>
    public static string DefaultFolder => Path.Combine(AppContext.BaseDirectory, "References");

    public static ReferenceFile Load(string path)
    {
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            stream.Load(reader);
        }
        catch (YamlException e)
        {
            throw new ConfigException(path, e.Start, $"not valid YAML: {e.InnerException?.Message ?? e.Message}");
        }
        var file = new YamlBinder(path).Bind(stream.Documents[0].RootNode, new ReferenceFile(), "the reference file");
        foreach (var entry in file.Entries)
        {
            if (entry.Unit is not ("percent" or "fraction"))
                throw new ConfigException(path, null, $"unit of the {entry.Dataset} entry must be percent or fraction, not '{entry.Unit}'");
        }
        return file;
    }

    /// <summary>Every reference file of a folder, by method key.</summary>
    public static IReadOnlyDictionary<string, ReferenceFile> LoadAll(string? folder = null)
    {
        folder ??= DefaultFolder;
        return Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "*.yaml").Order(StringComparer.Ordinal).Select(Load).ToDictionary(f => f.Method, StringComparer.Ordinal)
            : new Dictionary<string, ReferenceFile>();
    }
}
