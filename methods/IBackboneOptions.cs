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
}
