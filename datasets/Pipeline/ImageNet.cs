using System.Collections.Immutable;
using AnomalyBench.Torch;

namespace AnomalyBench.Datasets;

/// <summary>
/// The ImageNet channel statistics every torchvision backbone was trained with
/// (torchvision's <c>transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])</c>,
/// used verbatim by PatchCore, CFA, RD4AD, ReContrast). The one place the numbers live.
/// </summary>
public static class ImageNet
{
    /// <summary>Per-channel mean of RGB in [0,1].</summary>
    public static ImmutableArray<float> Mean { get; } = [0.485f, 0.456f, 0.406f];

    /// <summary>Per-channel standard deviation of RGB in [0,1].</summary>
    public static ImmutableArray<float> Std { get; } = [0.229f, 0.224f, 0.225f];

    /// <summary>The mean as a float32 tensor [1,3,1,1] on <paramref name="device"/> (broadcasts over [B,3,H,W]).</summary>
    public static Tensor MeanTensor(Device device) => Column(Mean, device);

    /// <summary>The standard deviation as a float32 tensor [1,3,1,1] on <paramref name="device"/>.</summary>
    public static Tensor StdTensor(Device device) => Column(Std, device);

    private static Tensor Column(ImmutableArray<float> values, Device device) =>
        torch.from_array(values.ToArray(), [1, 3, 1, 1], device);
}
