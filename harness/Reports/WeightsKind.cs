namespace AnomalyBench.Harness.Reports;

/// <summary>Where one backbone's weights came from, as a result's provenance string records it.</summary>
public enum WeightsKind
{
    /// <summary>The method stands on no pretrained backbone (SSM): nothing to compare with a paper's weights.</summary>
    None,

    /// <summary>A file of the weights store: torchvision's IMAGENET1K_V1, the papers' weights.</summary>
    File,

    /// <summary>The CNTK ImageNet ResNet-18 of ML.NET's package: ImageNet features, but not the papers' training.</summary>
    Cntk,

    /// <summary>A seeded random initialisation: no ImageNet training at all.</summary>
    Random,
}
