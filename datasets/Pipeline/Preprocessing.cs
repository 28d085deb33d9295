namespace AnomalyBench.Datasets;

/// <summary>
/// The pre-processing of one method: a hyper-parameter record each method embeds with its
/// paper's defaults, and that a data-set entry of an experiment file may override
/// (<c>image_size</c>, <c>crop</c>, <c>resize_mode</c>, <c>normalization</c>, <c>resize_filter</c>). The pipeline is:
/// decode → RGB → resize (PIL's <c>Image.resize</c> that torchvision applies to PIL images: bilinear by default,
/// Lanczos with <see cref="ResizeFilter.Lanczos"/>; both antialiased) → centre crop → [0,1] → normalise. Masks:
/// binarised (&gt; 0) at full size → nearest resize → the same crop.
/// <list type="bullet">
/// <item>PatchCore: <c>new(256, 224, ResizeMode.ShorterSide)</c> (Resize(256) → CenterCrop(224)).</item>
/// <item>CFA: <c>new(256, 224, ResizeMode.ShorterSide, ResizeFilter: ResizeFilter.Lanczos)</c> (Resize(256, ANTIALIAS) → CenterCrop(224)).</item>
/// <item>RD4AD, ReContrast: <c>new(256)</c> (Resize((256,256))); ReContrast on ISIC: <c>new(256, 224)</c>.</item>
/// <item>SSM: <c>new(128, Normalization: Normalization.None)</c> (Resize([128,128]) → ToTensor()).</item>
/// </list>
/// </summary>
public sealed record Preprocessing(
    int ImageSize = 256,
    int? Crop = null,
    ResizeMode ResizeMode = ResizeMode.Square,
    Normalization Normalization = Normalization.ImageNet,
    ResizeFilter ResizeFilter = ResizeFilter.Bilinear)
{
    /// <summary>The defaults (256, square, no crop, ImageNet); for binders that need a parameterless constructor.</summary>
    public Preprocessing()
        : this(256)
    {
    }

    /// <summary>Side of the square images a batch holds.</summary>
    public int OutputSize => Crop ?? ImageSize;

    /// <summary>Throws with the offending field when the settings cannot work.</summary>
    public Preprocessing Validate()
    {
        if (ImageSize < 1) throw new ArgumentException($"image_size must be at least 1, got {ImageSize}");
        if (Crop is { } c && (c < 1 || c > ImageSize))
            throw new ArgumentException($"crop must be between 1 and image_size ({ImageSize}), got {c}");
        if (!Enum.IsDefined(ResizeMode)) throw new ArgumentException($"unknown resize_mode {ResizeMode}");
        if (!Enum.IsDefined(Normalization)) throw new ArgumentException($"unknown normalization {Normalization}");
        if (!Enum.IsDefined(ResizeFilter)) throw new ArgumentException($"unknown resize_filter {ResizeFilter}");
        return this;
    }

    public override string ToString() =>
        $"image_size {ImageSize}, {(ResizeMode == ResizeMode.Square ? "square" : "shorter_side")}"
        + (ResizeFilter == ResizeFilter.Lanczos ? ", lanczos" : "")
        + (Crop is { } c ? $", crop {c}" : "") + $", {(Normalization == Normalization.ImageNet ? "imagenet" : "no")} normalization";
}
