namespace AnomalyBench.Methods;

/// <summary>
/// Hyper-parameters of a method that stands on an ImageNet-pretrained backbone: the
/// backbone's name in the weights store and which weights to use — <c>pretrained</c> (the
/// store's torchvision file; an error when it is missing), <c>cntk</c> (the ImageNet ResNet-18
/// that ships in a NuGet package; resnet18 only), <c>random</c> (seeded initialisation) or
/// <c>auto</c> (the store's file when it has one, otherwise the packaged network for resnet18 and
/// random, with a warning, for other backbones; the quickstart's choice).
/// </summary>
public interface IBackboneOptions
{
    string Backbone { get; }

    string Weights { get; }

    /// <summary>Every backbone the method builds: <see cref="Backbone"/>, or an ensemble's members.</summary>
    IReadOnlyList<string> Backbones => [Backbone];

    /// <summary>The stages the method taps when a <c>layers</c> field chooses them; empty when the method fixes its own (RD4AD, ReContrast).</summary>
    IReadOnlyList<string> Layers => [];
}

/// <summary>The checks every method on a backbone makes of these fields, in one place so that their messages agree.</summary>
public static class BackboneOptionChecks
{
    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming the field when <c>backbone</c> is empty, <paramref name="layers"/>
    /// (the stages the method taps; <paramref name="example"/> shows its paper's) is empty or names a stage twice, or
    /// <c>weights</c> cannot serve every backbone of <paramref name="options"/>.
    /// </summary>
    public static void Validate(IBackboneOptions options, IReadOnlyList<string>? layers, string example)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.Backbone)) throw new ArgumentException("backbone must name a backbone, e.g. wide_resnet50_2 or resnet18");
        if (layers is null || layers.Count == 0) throw new ArgumentException($"layers must list at least one stage, e.g. {example}");
        if (layers.Distinct(StringComparer.Ordinal).Count() != layers.Count) throw new ArgumentException($"layers lists a stage twice: [{string.Join(", ", layers)}]");
        Backbones.WeightsSource.Validate(options.Weights, options.Backbones);
    }
}
