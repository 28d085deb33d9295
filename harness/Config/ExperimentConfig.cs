using AnomalyBench.Datasets;
using AnomalyBench.Methods;

namespace AnomalyBench.Harness.Config;

/// <summary>
/// An experiment file, resolved: every field checked, every method's hyper-parameters bound
/// onto its record (profile defaults, then the file's fields).
/// </summary>
public sealed record ExperimentConfig
{
    /// <summary>Names the results folder: <c>&lt;output&gt;/&lt;experiment&gt;/...</c>.</summary>
    public string Experiment { get; init; } = "experiment";

    /// <summary>The results root, relative to the experiment file's folder unless absolute.</summary>
    public string Output { get; init; } = "results";

    /// <summary>cpu, cuda, cuda:N or auto (cuda when available).</summary>
    public string Device { get; init; } = "auto";

    /// <summary>Intra-op threads (default: the machine's cores).</summary>
    public int? Threads { get; init; }

    /// <summary>One run per seed; the sweep's seeds win over a paper's fixed seed.</summary>
    public IReadOnlyList<int> Seeds { get; init; } = [0];

    public Setting Setting { get; init; } = Setting.PerCategory;

    /// <summary>The weights store's folder (default: ANOMALYBENCH_WEIGHTS or ~/.cache/anomalybench/weights).</summary>
    public string? WeightsFolder { get; init; }

    public EvaluationConfig Evaluation { get; init; } = new();

    public ReportConfig Report { get; init; } = new();

    public IReadOnlyList<DatasetConfig> Datasets { get; init; } = [];

    /// <summary>Bound from the file's <c>methods:</c> list by <see cref="ConfigLoader"/>.</summary>
    public IReadOnlyList<MethodEntry> Methods { get; init; } = [];
}

/// <summary>One entry of <c>methods:</c>: a registered method with its resolved hyper-parameters.</summary>
/// <param name="Name">The name in result paths and tables: the entry's <c>name</c>, or the key.</param>
public sealed record MethodEntry(string Name, string Key, Profile Profile, MethodOptions Options);

/// <summary>One training regime of the sweep (ARCHITECTURE.md, "setting").</summary>
public enum Setting
{
    /// <summary>One model per category, trained on that category's normal images (the papers' default).</summary>
    PerCategory,

    /// <summary>One model per data set, trained on every category's normal images, evaluated per category.</summary>
    Unified,
}

/// <summary>At which resolution maps are compared with masks.</summary>
public enum EvaluationResolution
{
    /// <summary>The method's input resolution (masks resized with nearest, as the official code of most methods does).</summary>
    Input,

    /// <summary>Each image's original size: maps are resized bilinearly to it, masks are used as stored.</summary>
    Original,
}

/// <summary>The <c>evaluation:</c> block.</summary>
public sealed record EvaluationConfig
{
    /// <summary>The FPR limit of AUPRO (MVTec AD's 0.3; 0.05 is also reported).</summary>
    public double ProLimit { get; init; } = 0.3;

    public EvaluationResolution Resolution { get; init; } = EvaluationResolution.Input;

    /// <summary>Also report RD4AD's and ReContrast's per-image AUPRO (<c>aupro_per_image_0.3</c>), for comparison with those papers.</summary>
    public bool PerImageAupro { get; init; }
}

/// <summary>The <c>report:</c> block: how the report's statistics and figures are made.</summary>
public sealed record ReportConfig
{
    /// <summary>B of the pixel-level cluster bootstrap over images (95% interval of every P-AUROC).</summary>
    public int BootstrapReplicates { get; init; } = 1000;

    /// <summary>The bootstrap's seed: intervals are reproducible.</summary>
    public int BootstrapSeed { get; init; }

    /// <summary>Test images per category in the heat-map grids (defects of every type first).</summary>
    public int HeatmapImages { get; init; } = 8;
}

/// <summary>One entry of <c>datasets:</c>. Pre-processing fields left out keep each method's own.</summary>
public sealed record DatasetConfig
{
    /// <summary>The name used in result paths and tables (defaults to <see cref="Kind"/>).</summary>
    public string? Name { get; init; }

    /// <summary>mvtec, visa, btad, aptos, oct2017, isic2018, retinal-oct, medianomaly, folder, synthetic.</summary>
    public string Kind { get; init; } = "";

    /// <summary>The folder that holds the categories; for <c>synthetic</c>, the cache folder to generate into (default: the user's cache).</summary>
    public string? Root { get; init; }

    /// <summary>For <c>synthetic</c>: the generator's seed, image size and counts.</summary>
    public SyntheticOptions? Synthetic { get; init; }

    /// <summary>Category names, or <c>all</c>.</summary>
    public IReadOnlyList<string> Categories { get; init; } = ["all"];

    public int? ImageSize { get; init; }

    public int? Crop { get; init; }

    public ResizeMode? ResizeMode { get; init; }

    public Normalization? Normalization { get; init; }

    public ResizeFilter? ResizeFilter { get; init; }

    public string DisplayName => Name ?? Kind;

    /// <summary>A method's pre-processing with this data set's overrides applied.</summary>
    public Preprocessing Apply(Preprocessing method) => method with
    {
        ImageSize = ImageSize ?? method.ImageSize,
        Crop = Crop ?? method.Crop,
        ResizeMode = ResizeMode ?? method.ResizeMode,
        Normalization = Normalization ?? method.Normalization,
        ResizeFilter = ResizeFilter ?? method.ResizeFilter,
    };
}
