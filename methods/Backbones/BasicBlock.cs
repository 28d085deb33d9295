// The ResNet-18/34 residual block: He, Zhang, Ren and Sun, "Deep Residual Learning for Image
// Recognition", CVPR 2016, Fig. 2 / Fig. 5 left; ported from torchvision models/resnet.py
// (BasicBlock): the stride sits on the first 3x3 convolution, the projection shortcut is
// torchvision's `downsample` (1x1 convolution + BatchNorm, option B of the paper).

using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using static AnomalyBench.Torch.torch;

namespace AnomalyBench.Methods.Backbones;

/// <summary>
/// torchvision's <c>BasicBlock</c>: relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)). State-dict keys
/// <c>conv1</c>, <c>bn1</c>, <c>conv2</c>, <c>bn2</c>, <c>downsample.0</c>, <c>downsample.1</c>.
/// The ReLUs are applied in place and hold no state, so they are not registered as modules.
/// </summary>
public sealed class BasicBlock : Module<Tensor, Tensor>, IResidualBlock
{
    /// <summary>Output channels over <c>planes</c>.</summary>
    public const int expansion = 1;

    public BasicBlock(long inplanes, long planes, long stride = 1, Sequential? downsample = null)
    {
        this.stride = stride;
        conv1 = ResNet.conv3x3(inplanes, planes, stride);
        bn1 = nn.BatchNorm2d(planes);
        conv2 = ResNet.conv3x3(planes, planes);
        bn2 = nn.BatchNorm2d(planes);
        this.downsample = downsample;
        register_module("conv1", conv1);
        register_module("bn1", bn1);
        register_module("conv2", conv2);
        register_module("bn2", bn2);
        if (downsample is not null) register_module("downsample", downsample);
    }

    public Conv2d conv1 { get; }
    public BatchNorm2d bn1 { get; }
    public Conv2d conv2 { get; }
    public BatchNorm2d bn2 { get; }
    public Sequential? downsample { get; }
    public long stride { get; }

    /// <summary>relu(<see cref="forward_pre_activation"/>(x)): torchvision's block.</summary>
    public override Tensor forward(Tensor x) => forward_pre_activation(x).relu_();

    /// <summary>The residual sum before the final ReLU (CFA's official block output, cnn/resnet.py).</summary>
    public Tensor forward_pre_activation(Tensor x)
    {
        // Each intermediate is disposed as soon as the next layer has read it.
        var h = Backbone.Consume(conv1.call(x), bn1).relu_();
        h = Backbone.Consume(Backbone.Consume(h, conv2), bn2);
        return Backbone.AddResidual(h, x, downsample);
    }
}
