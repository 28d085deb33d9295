// File names and addresses from torchvision models/resnet.py and models/densenet.py (the
// IMAGENET1K_V1 entries of ResNet18_Weights ... DenseNet201_Weights) and from timm's
// models/resnet.py and models/densenet.py (the *.tv_in1k entries, which re-host those weights as
// safetensors under the same keys). The anomaly-detection papers (PatchCore, RD4AD, CFA,
// ReConPatch, ReContrast) use the V1 weights, torchvision's default before 0.13, so V1 is what the
// store expects; V2 files (e.g. resnet50-11ad3fa6.pth) are other weights and not accepted under V1 names.

namespace AnomalyBench.Methods.Backbones;

/// <summary>The backbones the harness knows by name, with their published weights.</summary>
public static class BackboneCatalog
{
    private static readonly BackboneInfo[] s_all =
    [
        new("resnet18", "ResNet-18 (He et al. 2016), 11.7M parameters", "resnet18-f37072fd.pth", "timm/resnet18.tv_in1k",
            init => ResNet.resnet18(init_weights: init)),
        new("resnet34", "ResNet-34 (He et al. 2016), 21.8M parameters", "resnet34-b627a593.pth", "timm/resnet34.tv_in1k",
            init => ResNet.resnet34(init_weights: init)),
        new("resnet50", "ResNet-50 (He et al. 2016), 25.6M parameters", "resnet50-0676ba61.pth", "timm/resnet50.tv_in1k",
            init => ResNet.resnet50(init_weights: init)),
        new("wide_resnet50_2", "Wide-ResNet-50-2 (Zagoruyko and Komodakis 2016), 68.9M parameters", "wide_resnet50_2-95faca4d.pth",
            "timm/wide_resnet50_2.tv_in1k", init => ResNet.wide_resnet50_2(init_weights: init)),
        new("wide_resnet101_2", "Wide-ResNet-101-2 (Zagoruyko and Komodakis 2016), 126.9M parameters", "wide_resnet101_2-32ee1156.pth",
            "timm/wide_resnet101_2.tv_in1k", init => ResNet.wide_resnet101_2(init_weights: init)),
        new("resnext101_32x8d", "ResNeXt-101 32x8d (Xie et al. 2017), 88.8M parameters", "resnext101_32x8d-8ba56ff5.pth",
            "timm/resnext101_32x8d.tv_in1k", init => ResNet.resnext101_32x8d(init_weights: init)),
        new("densenet201", "DenseNet-201 (Huang et al. 2017), 20.0M parameters", "densenet201-c1103571.pth", "timm/densenet201.tv_in1k",
            init => DenseNet.densenet201(init_weights: init)),
    ];

    /// <summary>Every known backbone, in listing order.</summary>
    public static IReadOnlyList<BackboneInfo> All => s_all;

    /// <summary>The backbone called <paramref name="name"/>, or null.</summary>
    public static BackboneInfo? Find(string name) => Array.Find(s_all, b => string.Equals(b.Name, name, StringComparison.Ordinal));

    /// <summary>The backbone called <paramref name="name"/>; throws naming the known ones otherwise.</summary>
    public static BackboneInfo Get(string name) =>
        Find(name) ?? throw new ArgumentException($"unknown backbone '{name}'; known: {string.Join(", ", s_all.Select(b => b.Name))}", nameof(name));
}
