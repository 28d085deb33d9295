namespace AnomalyBench.Methods.Backbones;

/// <summary>The residual block a <see cref="ResNet"/> stacks (torchvision's <c>block</c> argument).</summary>
public enum ResNetBlock
{
    /// <summary>Two 3x3 convolutions (ResNet-18/34), expansion 1.</summary>
    BasicBlock,

    /// <summary>1x1, 3x3 (grouped for ResNeXt, widened for WRN), 1x1 convolutions (ResNet-50 and deeper), expansion 4.</summary>
    Bottleneck,
}

/// <summary>
/// A <see cref="ResNet"/>'s architecture, with torchvision's <c>ResNet.__init__</c> arguments and defaults.
/// <see cref="Layers"/> holds one to four block counts: fewer than four builds the network only up to
/// that stage, without classifier (the <c>wide_bottleneck_111</c> fixture is <c>[1, 1, 1]</c>), and then
/// <see cref="NumClasses"/> must be null.
/// </summary>
/// <param name="Block">BasicBlock or Bottleneck.</param>
/// <param name="Layers">blocks per stage, e.g. [3, 4, 6, 3] for ResNet-50.</param>
public sealed record ResNetConfig(ResNetBlock Block, IReadOnlyList<int> Layers)
{
    /// <summary>Classifier outputs; null builds no avgpool/fc (a pure feature encoder).</summary>
    public int? NumClasses { get; init; } = 1000;

    /// <summary>Convolution groups of the 3x3 bottleneck convolution (32 for ResNeXt-101 32x8d).</summary>
    public int Groups { get; init; } = 1;

    /// <summary>Channels per group at planes = 64: 64 for ResNet, 128 for Wide-ResNet-x-2, 8 for ResNeXt 32x8d.</summary>
    public int WidthPerGroup { get; init; } = 64;

    /// <summary>Start each residual branch's last BatchNorm at weight 0, so every block begins as the identity (Goyal et al. 2017).</summary>
    public bool ZeroInitResidual { get; init; }

    /// <summary>Output channels of a block over its <c>planes</c>: 1 for BasicBlock, 4 for Bottleneck.</summary>
    public int Expansion => Block == ResNetBlock.Bottleneck ? Bottleneck.expansion : BasicBlock.expansion;

    /// <summary>Throws with the reason when torchvision would refuse this configuration (or this port does not support it).</summary>
    public void Validate()
    {
        if (Layers is null || Layers.Count is < 1 or > 4)
            throw new ArgumentException($"ResNet needs 1 to 4 stages of blocks, got {Layers?.Count ?? 0}", nameof(Layers));
        for (var k = 0; k < Layers.Count; k++)
        {
            if (Layers[k] < 1) throw new ArgumentException($"layer{k + 1} needs at least one block, got {Layers[k]}", nameof(Layers));
        }
        if (NumClasses is { } n && (n < 1 || Layers.Count != 4))
            throw new ArgumentException(Layers.Count != 4
                ? $"a classifier (NumClasses = {n}) needs all four stages; set NumClasses to null for a {Layers.Count}-stage encoder"
                : $"NumClasses must be positive, got {n}", nameof(NumClasses));
        if (Groups < 1 || WidthPerGroup < 1)
            throw new ArgumentException($"groups ({Groups}) and width_per_group ({WidthPerGroup}) must be positive");
        if (Block == ResNetBlock.BasicBlock && (Groups != 1 || WidthPerGroup != 64))
            throw new ArgumentException("BasicBlock only supports groups=1 and base_width=64 (as torchvision)");
    }
}
