// The student decoder of RD4AD (Deng and Li, CVPR 2022, §3.2): a ResNet mirrored, each stage opening with a block
// that doubles the resolution, returning three levels that match the encoder's. Official code: hq-deng/RD4AD
// de_resnet.py and guojiajeremy/ReContrast models/de_resnet.py (identical but for `output_conv`), class ResNet
// (de_wide_resnet50_2, de_resnet18, ...). ReContrast builds it with output_conv=2: two sets of 1x1 convolutions with
// bias, one per level (out1/out2/out3 ModuleLists), and returns [out1[0](f1), out2[0](f2), out3[0](f3), out1[1](f1), ...]
// (Guo et al., NeurIPS 2023, §3.2; shared/research/methods-2.md §0, §1.1).

using AnomalyBench.Methods.Backbones;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using static AnomalyBench.Torch.torch;

namespace AnomalyBench.Methods.ReverseDistillation;

/// <summary>
/// The de-ResNet decoder: <c>layer1</c> (512·e·(H/32)² → 256·e·(H/16)²), <c>layer2</c> (→ 128·e·(H/8)²), <c>layer3</c>
/// (→ 64·e·(H/4)²). <see cref="forward"/> returns [f1, f2, f3] ordered as the encoder's [layer1, layer2, layer3]
/// without heads, and with <c>heads</c> h sets of 1x1 heads the h·3 maps [head 0 (f1, f2, f3), head 1 (f1, f2, f3), …].
/// Initialised as the official code (<see cref="OfficialInit"/>); the heads' weights included, their biases not.
/// </summary>
public sealed class ReverseDistillationDecoder : Module<Tensor, IReadOnlyList<Tensor>>
{
    private readonly List<Sequential> _layers = [];
    private readonly ModuleList[] _heads = [];

    /// <param name="architecture">block kind, stages and width.</param>
    /// <param name="heads">sets of 1x1 output heads (official <c>output_conv</c>): 0 for RD4AD, 2 for ReContrast.</param>
    /// <param name="activation">ReLU (official) or GELU (ReContrast's multi-class scripts).</param>
    public ReverseDistillationDecoder(ReverseDistillationArchitecture architecture, int heads = 0, DecoderActivation activation = DecoderActivation.ReLU)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        if (heads < 0) throw new ArgumentOutOfRangeException(nameof(heads), heads, "heads must be 0 or more");
        this.architecture = architecture;
        this.heads = heads;
        var e = architecture.Expansion;
        var inplanes = 512L * e;
        long[] planes = [256, 128, 64];
        for (var k = 0; k < 3; k++)
        {
            var layer = MakeLayer(ref inplanes, planes[k], architecture.DecoderLayers[k], activation);
            _layers.Add(layer);
            register_module($"layer{k + 1}", layer);
        }
        if (heads > 0)
        {
            _heads = [new ModuleList(), new ModuleList(), new ModuleList()];
            for (var i = 0; i < heads; i++)
            for (var level = 0; level < 3; level++)
            {
                var channels = (64L << level) * e;
                _heads[level].append(nn.Conv2d(channels, channels, 1));
            }
            for (var level = 0; level < 3; level++) register_module($"out{level + 1}", _heads[level]);
        }
        OfficialInit.Apply(this);
    }

    public ReverseDistillationArchitecture architecture { get; }

    /// <summary>Sets of output heads (official <c>output_conv</c>).</summary>
    public int heads { get; }

    /// <summary>Stage <c>layer{k+1}</c>.</summary>
    public Sequential layer(int k) => _layers[k];

    /// <summary>The 1x1 head of <paramref name="set"/> for level <paramref name="level"/> (0 = f1, 64·e channels).</summary>
    public Conv2d head(int set, int level) => (Conv2d)_heads[level][set];

    // de_resnet.py _make_layer: the first block upsamples (stride 2) with a deconv + BN shortcut.
    private Sequential MakeLayer(ref long inplanes, long planes, int blocks, DecoderActivation activation)
    {
        var e = architecture.Expansion;
        var upsample = nn.Sequential(DecoderBlocks.deconv2x2(inplanes, planes * e, 2), nn.BatchNorm2d(planes * e));
        var layer = nn.Sequential();
        layer.append(Block(inplanes, planes, 2, upsample, activation));
        inplanes = planes * e;
        for (var k = 1; k < blocks; k++) layer.append(Block(inplanes, planes, 1, null, activation));
        return layer;
    }

    private Module<Tensor, Tensor> Block(long inplanes, long planes, long stride, Sequential? upsample, DecoderActivation activation) =>
        architecture.Block == ResNetBlock.Bottleneck
            ? new DecoderBottleneck(inplanes, planes, stride, upsample, architecture.WidthPerGroup, activation)
            : new DecoderBasicBlock(inplanes, planes, stride, upsample, activation);

    /// <summary>The reconstructed levels of an embedding (see the class summary for the order); the caller disposes them.</summary>
    public override IReadOnlyList<Tensor> forward(Tensor embedding)
    {
        using var scope = torch.NewDisposeScope();
        var f3 = _layers[0].call(embedding);
        var f2 = _layers[1].call(f3);
        var f1 = _layers[2].call(f2);
        Tensor[] levels = [f1, f2, f3];
        if (heads == 0) return levels.Select(t => t.MoveToOuterDisposeScope()).ToList();
        var outputs = new List<Tensor>(heads * 3);
        for (var i = 0; i < heads; i++)
        for (var level = 0; level < 3; level++)
            outputs.Add(head(i, level).call(levels[level]).MoveToOuterDisposeScope());
        return outputs;
    }
}
