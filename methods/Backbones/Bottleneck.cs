// The ResNet-50/101 bottleneck block: He et al., "Deep Residual Learning for Image Recognition",
// CVPR 2016, Fig. 5 right; ported from torchvision models/resnet.py (Bottleneck). As torchvision
// ("ResNet V1.5") the stride sits on the 3x3 convolution, not on the first 1x1. The 3x3
// convolution's width = planes * (base_width / 64) * groups gives the wide variant (Zagoruyko and
// Komodakis, "Wide Residual Networks", BMVC 2016: base_width 128 doubles the inner channels) and
// the grouped one (Xie, Girshick, Dollár, Tu and He, "Aggregated Residual Transformations for Deep
// Neural Networks", CVPR 2017: groups 32, base_width 8 for ResNeXt-101 32x8d).

using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using static AnomalyBench.Torch.torch;

namespace AnomalyBench.Methods.Backbones;

/// <summary>
/// torchvision's <c>Bottleneck</c>: relu(bn3(conv3(relu(bn2(conv2(relu(bn1(conv1(x)))))))) + shortcut(x)).
/// State-dict keys <c>conv1</c>, <c>bn1</c>, <c>conv2</c>, <c>bn2</c>, <c>conv3</c>, <c>bn3</c>,
/// <c>downsample.0</c>, <c>downsample.1</c>. The ReLUs are applied in place and hold no state.
/// </summary>
public sealed class Bottleneck : Module<Tensor, Tensor>, IResidualBlock
{
    /// <summary>Output channels over <c>planes</c>.</summary>
    public const int expansion = 4;

    public Bottleneck(long inplanes, long planes, long stride = 1, Sequential? downsample = null, long groups = 1, long base_width = 64)
    {
        // torchvision: width = int(planes * (base_width / 64.)) * groups.
        var width = (long)(planes * (base_width / 64.0)) * groups;
        this.stride = stride;
        this.width = width;
        conv1 = ResNet.conv1x1(inplanes, width);
        bn1 = nn.BatchNorm2d(width);
        conv2 = ResNet.conv3x3(width, width, stride, groups);
        bn2 = nn.BatchNorm2d(width);
        conv3 = ResNet.conv1x1(width, planes * expansion);
        bn3 = nn.BatchNorm2d(planes * expansion);
        this.downsample = downsample;
        register_module("conv1", conv1);
        register_module("bn1", bn1);
        register_module("conv2", conv2);
        register_module("bn2", bn2);
        register_module("conv3", conv3);
        register_module("bn3", bn3);
        if (downsample is not null) register_module("downsample", downsample);
    }

    public Conv2d conv1 { get; }
    public BatchNorm2d bn1 { get; }
    public Conv2d conv2 { get; }
    public BatchNorm2d bn2 { get; }
    public Conv2d conv3 { get; }
    public BatchNorm2d bn3 { get; }
    public Sequential? downsample { get; }
    public long stride { get; }

    /// <summary>Channels of the inner 3x3 convolution.</summary>
    public long width { get; }

    /// <summary>relu(<see cref="forward_pre_activation"/>(x)): torchvision's block.</summary>
    public override Tensor forward(Tensor x) => forward_pre_activation(x).relu_();

    /// <summary>The residual sum before the final ReLU (CFA's official block output, cnn/resnet.py).</summary>
    public Tensor forward_pre_activation(Tensor x)
    {
        // Each intermediate is disposed as soon as the next layer has read it: at most two
        // activations of the block are alive at once.
        var h = Backbone.Consume(conv1.call(x), bn1).relu_();
        h = Backbone.Consume(Backbone.Consume(h, conv2), bn2).relu_();
        h = Backbone.Consume(Backbone.Consume(h, conv3), bn3);
        return Backbone.AddResidual(h, x, downsample);
    }
}
