namespace AnomalyBench.Methods.Backbones;

/// <summary>
/// Where a backbone's weights came from, for every result that uses them: the file and its SHA-256 (and, for
/// weights that ship in a NuGet package, the package), or "random (seed N)". <see cref="ToString"/> is the one-line
/// form for manifests and tables.
/// </summary>
/// <param name="Backbone">the store's name (<c>wide_resnet50_2</c>).</param>
/// <param name="File">the weights file's full path; null for random weights.</param>
/// <param name="Sha256">the file's SHA-256 in lower-case hex; null for random weights.</param>
/// <param name="Seed">the seed of random weights; null for a file.</param>
/// <param name="Package">"id version" of the NuGet package the file comes from (<see cref="CntkResNet18"/>); null for the store's files.</param>
public sealed record WeightsProvenance(string Backbone, string? File, string? Sha256, ulong? Seed, string? Package = null)
{
    public bool IsRandom => File is null;

    /// <summary>The packaged CNTK ResNet-18 (<c>weights: cntk</c>), not torchvision's weights.</summary>
    public bool IsCntk => Package is not null;

    /// <summary>The source that builds these weights again (<see cref="FeatureExtractor.Restore"/>).</summary>
    public WeightsSource Source => IsCntk ? WeightsSource.Cntk : Seed is { } seed ? WeightsSource.Random(seed) : WeightsSource.Pretrained;

    public static WeightsProvenance FromFile(string backbone, string file, string sha256) => new(backbone, file, sha256, null);

    public static WeightsProvenance FromPackage(string backbone, string file, string sha256, string package) => new(backbone, file, sha256, null, package);

    public static WeightsProvenance Random(string backbone, ulong seed) => new(backbone, null, null, seed);

    /// <summary>
    /// "wide_resnet50_2: wide_resnet50_2-95faca4d.pth (sha256 95faca4d...)", "resnet18: random (seed 3)" or
    /// "resnet18: CNTK ImageNet weights, ResNet18.onnx of Microsoft.ML.DnnImageFeaturizer.ResNet18 0.24.0 (sha256 e2552f19...)".
    /// </summary>
    public override string ToString() =>
        IsRandom ? $"{Backbone}: random (seed {Seed})"
        : IsCntk ? $"{Backbone}: CNTK ImageNet weights, {Path.GetFileName(File)} of {Package} (sha256 {Sha256})"
        : $"{Backbone}: {Path.GetFileName(File)} (sha256 {Sha256})";
}
