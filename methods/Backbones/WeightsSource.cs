namespace AnomalyBench.Methods.Backbones;

/// <summary>
/// Which weights a backbone starts from: the pretrained file of the <see cref="WeightsStore"/> (torchvision's
/// IMAGENET1K_V1, the default), the ImageNet ResNet-18 that ships in a NuGet package (<see cref="CntkResNet18"/>,
/// <c>weights: cntk</c>), or torchvision's random initialisation from a seed (<c>weights: random</c>). Every result
/// that uses them records which through its <see cref="WeightsProvenance"/>.
/// </summary>
public sealed record WeightsSource
{
    /// <summary>The values an experiment's <c>weights:</c> field takes.</summary>
    public static IReadOnlyList<string> Names { get; } = ["auto", "pretrained", "imagenet", "cntk", "random"];

    private WeightsSource(bool isRandom, bool isCntk, ulong seed)
    {
        IsRandom = isRandom;
        IsCntk = isCntk;
        Seed = seed;
    }

    /// <summary>The store's file for the backbone (torchvision's IMAGENET1K_V1 weights, as the papers use).</summary>
    public static WeightsSource Pretrained { get; } = new(false, false, 0);

    /// <summary>The CNTK ImageNet ResNet-18 of ML.NET's DnnImageFeaturizer package: real features with nothing to download.</summary>
    public static WeightsSource Cntk { get; } = new(false, true, 0);

    /// <summary>torchvision's initialisation after <c>torch.manual_seed(seed)</c>.</summary>
    public static WeightsSource Random(ulong seed) => new(true, false, seed);

    public bool IsRandom { get; }

    public bool IsCntk { get; }

    /// <summary>The seed of a random initialisation (0 otherwise).</summary>
    public ulong Seed { get; }

    /// <summary>
    /// "pretrained" (or "imagenet"), "cntk" or "random", as written in an experiment file; <paramref name="seed"/> seeds
    /// "random". "auto" needs the store: see <see cref="Resolve"/>.
    /// </summary>
    public static WeightsSource Parse(string text, ulong seed = 0) => text.Trim().ToLowerInvariant() switch
    {
        "pretrained" or "imagenet" => Pretrained,
        "cntk" => Cntk,
        "random" => Random(seed),
        _ => throw new FormatException($"unknown weights '{text}': use auto, pretrained (the weights store's torchvision file), cntk (the packaged ImageNet ResNet-18) or random (seeded initialisation)"),
    };

    /// <summary>
    /// Resolves an experiment's <c>weights:</c> value for <paramref name="backbone"/>. <c>auto</c> is the store's file
    /// when it has one; otherwise the packaged CNTK network for <c>resnet18</c>, and a random initialisation from
    /// <paramref name="seed"/> for every other backbone.
    /// </summary>
    public static WeightsSource Resolve(string text, WeightsStore store, string backbone, ulong seed)
    {
        if (!text.Trim().Equals("auto", StringComparison.OrdinalIgnoreCase)) return Parse(text, seed);
        if (store.Find(backbone) is not null) return Pretrained;
        return backbone == CntkResNet18.Backbone ? Cntk : Random(seed);
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming the field when <paramref name="weights"/> is no known value or asks for
    /// the CNTK network on another backbone than resnet18; a method's options call it from Validate.
    /// </summary>
    public static void Validate(string weights, IEnumerable<string> backbones)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var value = weights.Trim().ToLowerInvariant();
        if (!Names.Contains(value))
            throw new ArgumentException($"weights must be one of {string.Join(", ", Names)}, got '{weights}'");
        if (value == "cntk")
        {
            foreach (var backbone in backbones) CheckCntkBackbone(backbone);
        }
    }

    /// <summary>The packaged network is a ResNet-18: any other backbone with <c>weights: cntk</c> is an error that says so.</summary>
    internal static void CheckCntkBackbone(string backbone)
    {
        if (backbone != CntkResNet18.Backbone)
            throw new ArgumentException(
                $"weights: cntk is the ImageNet ResNet-18 of the NuGet package {CntkResNet18.Package}; backbone '{backbone}' cannot use it. " +
                "Use backbone: resnet18, or weights: pretrained / auto / random for this backbone");
    }

    public override string ToString() => IsRandom ? $"random (seed {Seed})" : IsCntk ? "cntk" : "pretrained";
}
