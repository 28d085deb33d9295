// The one-class bottleneck embedding (OCBE) of RD4AD: Deng and Li, "Anomaly Detection via Reverse Distillation from
// One-Class Embedding", CVPR 2022, §3.3 (Fig. 3): multi-scale feature fusion (MFF) of the encoder's three levels,
// then the one-class embedding block (OCE), a ResNet stage of residual blocks. Official code: hq-deng/RD4AD
// resnet.py and guojiajeremy/ReContrast models/resnet.py (identical), class BN_layer; shared/research/methods-2.md §0.

using AnomalyBench.Methods.Backbones;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using static AnomalyBench.Torch.torch;

namespace AnomalyBench.Methods.ReverseDistillation;

/// <summary>
/// MFF: l1 = relu(bn2(conv2(relu(bn1(conv1(f1)))))), l2 = relu(bn3(conv3(f2))), both 3x3 stride-2 convolutions that
/// bring levels 1 and 2 to the grid of level 3; OCE: <c>bn_layer</c>, blocks of the encoder's kind on
/// cat[l1, l2, f3] whose first block halves the grid (stride 2). For WRN-50-2, 256·64² + 512·32² + 1024·16² →
/// 2048·8². <c>conv4</c>/<c>bn4</c> are defined by the official class but never used; they are kept (and get no
/// gradient, so the optimisers skip them) so that official state dicts load with every key.
/// State-dict keys as BN_layer: <c>bn_layer.*</c>, <c>conv1</c> … <c>bn4</c>.
/// </summary>
public sealed class OneClassBottleneck : Module<IReadOnlyList<Tensor>, Tensor>
{
    public OneClassBottleneck(ReverseDistillationArchitecture architecture)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        var e = architecture.Expansion;
        // BN_layer._make_layer(block, 512, layers, stride=2) with inplanes 256·e: the first block sees 3·256·e channels.
        var inplanes = 256L * e;
        var planes = 512L;
        var downsample = nn.Sequential(ResNet.conv1x1(inplanes * 3, planes * e, 2), nn.BatchNorm2d(planes * e));
        bn_layer = nn.Sequential();
        bn_layer.append(Block(architecture, inplanes * 3, planes, 2, downsample));
        for (var k = 1; k < architecture.BottleneckBlocks; k++) bn_layer.append(Block(architecture, planes * e, planes, 1, null));
        conv1 = ResNet.conv3x3(64 * e, 128 * e, 2);
        bn1 = nn.BatchNorm2d(128 * e);
        conv2 = ResNet.conv3x3(128 * e, 256 * e, 2);
        bn2 = nn.BatchNorm2d(256 * e);
        conv3 = ResNet.conv3x3(128 * e, 256 * e, 2);
        bn3 = nn.BatchNorm2d(256 * e);
        conv4 = ResNet.conv1x1(1024 * e, 512 * e);
        bn4 = nn.BatchNorm2d(512 * e);
        register_module("bn_layer", bn_layer);
        register_module("conv1", conv1);
        register_module("bn1", bn1);
        register_module("conv2", conv2);
        register_module("bn2", bn2);
        register_module("conv3", conv3);
        register_module("bn3", bn3);
        register_module("conv4", conv4);
        register_module("bn4", bn4);
        OfficialInit.Apply(this);
        OutChannels = planes * e;
    }

    /// <summary>The one-class embedding block (OCE).</summary>
    public Sequential bn_layer { get; }
    public Conv2d conv1 { get; }
    public BatchNorm2d bn1 { get; }
    public Conv2d conv2 { get; }
    public BatchNorm2d bn2 { get; }
    public Conv2d conv3 { get; }
    public BatchNorm2d bn3 { get; }

    /// <summary>Unused by the official forward pass (dead parameters kept for state-dict compatibility).</summary>
    public Conv2d conv4 { get; }

    /// <summary>Unused by the official forward pass.</summary>
    public BatchNorm2d bn4 { get; }

    /// <summary>Channels of the embedding (2048 for WRN-50-2, 512 for ResNet-18).</summary>
    public long OutChannels { get; }

    private static Module<Tensor, Tensor> Block(ReverseDistillationArchitecture a, long inplanes, long planes, long stride, Sequential? downsample) =>
        a.Block == ResNetBlock.Bottleneck
            ? new Bottleneck(inplanes, planes, stride, downsample, 1, a.WidthPerGroup)
            : new BasicBlock(inplanes, planes, stride, downsample);

    /// <summary>The embedding [B, 512·e, H/32, W/32] of the encoder's levels [layer1, layer2, layer3].</summary>
    public override Tensor forward(IReadOnlyList<Tensor> features)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.Count != 3) throw new ArgumentException($"OCBE fuses three encoder levels (layer1, layer2, layer3), got {features.Count}", nameof(features));
        using var scope = torch.NewDisposeScope();
        var l1 = bn2.call(conv2.call(bn1.call(conv1.call(features[0])).relu_())).relu_();
        var l2 = bn3.call(conv3.call(features[1])).relu_();
        var fused = torch.cat([l1, l2, features[2]], 1);
        return bn_layer.call(fused).contiguous().MoveToOuterDisposeScope();
    }
}
