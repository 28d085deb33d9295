// Which OCBE and which de-ResNet decoder go with an encoder, as the official constructors pair them:
// hq-deng/RD4AD and guojiajeremy/ReContrast resnet.py (resnet18 → BN_layer(BasicBlock, 2), resnet34 →
// BN_layer(BasicBlock, 3), resnet50 / wide_resnet50_2 → BN_layer(Bottleneck, 3) with the encoder's width_per_group)
// and de_resnet.py (de_resnet18 BasicBlock [2, 2, 2], de_resnet34 [3, 4, 6], de_resnet50 / de_wide_resnet50_2
// Bottleneck [3, 4, 6], width_per_group 128 for the wide one; the fourth entry of their layer lists is unused).

using AnomalyBench.Methods.Backbones;

namespace AnomalyBench.Methods.ReverseDistillation;

/// <summary>The block kind, OCE depth, decoder stages and width of a reverse-distillation network for one encoder.</summary>
/// <param name="Encoder">the encoder's name in the backbone catalog.</param>
/// <param name="Block">BasicBlock (ResNet-18/34) or Bottleneck (ResNet-50, WRN-50-2).</param>
/// <param name="BottleneckBlocks">residual blocks of the one-class embedding (OCE).</param>
/// <param name="DecoderLayers">blocks of the decoder's three stages, deepest first.</param>
/// <param name="WidthPerGroup">64, or 128 for the wide network.</param>
public sealed record ReverseDistillationArchitecture(string Encoder, ResNetBlock Block, int BottleneckBlocks, IReadOnlyList<int> DecoderLayers, int WidthPerGroup)
{
    /// <summary>The encoder levels both methods tap, shallow to deep.</summary>
    public static IReadOnlyList<string> Levels { get; } = ["layer1", "layer2", "layer3"];

    /// <summary>4 for Bottleneck, 1 for BasicBlock.</summary>
    public int Expansion => Block == ResNetBlock.Bottleneck ? Bottleneck.expansion : BasicBlock.expansion;

    /// <summary>Channels of the encoder's (and decoder's) levels: 64·e, 128·e, 256·e.</summary>
    public IReadOnlyList<long> LevelChannels => [64L * Expansion, 128L * Expansion, 256L * Expansion];

    /// <summary>The official pairing for <paramref name="encoder"/>; an error naming the supported encoders otherwise.</summary>
    public static ReverseDistillationArchitecture For(string encoder) => encoder switch
    {
        "wide_resnet50_2" => new(encoder, ResNetBlock.Bottleneck, 3, [3, 4, 6], 128),
        "resnet50" => new(encoder, ResNetBlock.Bottleneck, 3, [3, 4, 6], 64),
        "resnet34" => new(encoder, ResNetBlock.BasicBlock, 3, [3, 4, 6], 64),
        "resnet18" => new(encoder, ResNetBlock.BasicBlock, 2, [2, 2, 2], 64),
        _ => throw new ArgumentException(
            $"backbone '{encoder}' has no reverse-distillation decoder; use wide_resnet50_2 (the papers'), resnet50, resnet34 or resnet18"),
    };
}
