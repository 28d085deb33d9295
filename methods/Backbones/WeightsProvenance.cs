namespace AnomalyBench.Methods.Backbones;

/// <summary>
/// Where a backbone's weights came from, for every result that uses them: the file and its SHA-256,
/// or "random (seed N)". <see cref="ToString"/> is the one-line form for manifests and tables.
/// </summary>
/// <param name="Backbone">the store's name (<c>wide_resnet50_2</c>).</param>
/// <param name="File">the weights file's full path; null for random weights.</param>
/// <param name="Sha256">the file's SHA-256 in lower-case hex; null for random weights.</param>
/// <param name="Seed">the seed of random weights; null for a file.</param>
public sealed record WeightsProvenance(string Backbone, string? File, string? Sha256, ulong? Seed)
{
    public bool IsRandom => File is null;

    public static WeightsProvenance FromFile(string backbone, string file, string sha256) => new(backbone, file, sha256, null);

    public static WeightsProvenance Random(string backbone, ulong seed) => new(backbone, null, null, seed);

    /// <summary>"wide_resnet50_2: wide_resnet50_2-95faca4d.pth (sha256 95faca4d...)" or "wide_resnet50_2: random (seed 3)".</summary>
    public override string ToString() =>
        IsRandom ? $"{Backbone}: random (seed {Seed})" : $"{Backbone}: {Path.GetFileName(File)} (sha256 {Sha256})";
}
