namespace AnomalyBench.Methods.Backbones;

/// <summary>
/// Which weights a backbone starts from: the pretrained file of the <see cref="WeightsStore"/> (the
/// default), or torchvision's random initialisation from a seed (<c>weights: random</c>), which every
/// result that uses it records through its <see cref="WeightsProvenance"/>.
/// </summary>
public sealed record WeightsSource
{
    private WeightsSource(bool isRandom, ulong seed)
    {
        IsRandom = isRandom;
        Seed = seed;
    }

    /// <summary>The store's file for the backbone (torchvision's IMAGENET1K_V1 weights, as the papers use).</summary>
    public static WeightsSource Pretrained { get; } = new(false, 0);

    /// <summary>torchvision's initialisation after <c>torch.manual_seed(seed)</c>.</summary>
    public static WeightsSource Random(ulong seed) => new(true, seed);

    public bool IsRandom { get; }

    /// <summary>The seed of a random initialisation (0 for pretrained weights).</summary>
    public ulong Seed { get; }

    /// <summary>"pretrained" (or "imagenet") or "random", as written in an experiment file; <paramref name="seed"/> seeds "random".</summary>
    public static WeightsSource Parse(string text, ulong seed = 0) => text.Trim().ToLowerInvariant() switch
    {
        "pretrained" or "imagenet" => Pretrained,
        "random" => Random(seed),
        _ => throw new FormatException($"unknown weights '{text}': use pretrained (the weights store's file) or random (seeded initialisation)"),
    };

    /// <summary>
    /// Resolves an experiment's <c>weights:</c> value for <paramref name="backbone"/>: <c>auto</c> is the
    /// store's file when it has one and a random initialisation from <paramref name="seed"/> otherwise.
    /// </summary>
    public static WeightsSource Resolve(string text, WeightsStore store, string backbone, ulong seed) =>
        text.Trim().Equals("auto", StringComparison.OrdinalIgnoreCase)
            ? store.Find(backbone) is null ? Random(seed) : Pretrained
            : Parse(text, seed);

    public override string ToString() => IsRandom ? $"random (seed {Seed})" : "pretrained";
}
