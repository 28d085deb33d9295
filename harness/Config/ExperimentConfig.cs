namespace AnomalyBench.Harness.Config;

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
}

/// <summary>One entry of <c>datasets:</c>. Pre-processing fields left out keep each method's own.</summary>
public sealed record DatasetConfig
{
    /// <summary>The name used in result paths and tables (defaults to <see cref="Kind"/>).</summary>
    public string? Name { get; init; }

    /// <summary>mvtec, visa, btad, aptos, oct2017, isic2018, retinal_oct, folder, synthetic.</summary>
    public string Kind { get; init; } = "";

    public string? Root { get; init; }

    /// <summary>Category names, or <c>all</c>.</summary>
    public IReadOnlyList<string> Categories { get; init; } = ["all"];

    public int? ImageSize { get; init; }

    public int? Crop { get; init; }

    public string? ResizeMode { get; init; }

    public string? Normalization { get; init; }

    public string DisplayName => Name ?? Kind;
}
