// The de-ResNet basic block of RD4AD's student decoder (Deng and Li, "Anomaly Detection via Reverse Distillation
// from One-Class Embedding", CVPR 2022, §3.2, Fig. 3): torchvision's BasicBlock run backwards. Official code:
// hq-deng/RD4AD de_resnet.py and guojiajeremy/ReContrast models/de_resnet.py (identical), class BasicBlock: a
// stride-2 block upsamples with a 2x2 transposed convolution in place of its first 3x3 convolution.

using AnomalyBench.Methods.Backbones;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using static AnomalyBench.Torch.torch;

namespace AnomalyBench.Methods.ReverseDistillation;

/// <summary>
/// act(bn2(conv2(act(bn1(conv1(x))))) + upsample(x)), where conv1 is <c>ConvTranspose2d(k 2, s 2)</c> when the
/// block doubles the resolution and a 3x3 convolution otherwise. State-dict keys as de_resnet.py:
/// <c>conv1</c>, <c>bn1</c>, <c>conv2</c>, <c>bn2</c>, <c>upsample.0</c>, <c>upsample.1</c>.
/// </summary>
public sealed class DecoderBasicBlock : Module<Tensor, Tensor>
{
    /// <summary>Output channels over <c>planes</c>.</summary>
    public const int expansion = 1;

    private readonly DecoderActivation _activation;

    public DecoderBasicBlock(long inplanes, long planes, long stride = 1, Sequential? upsample = null, DecoderActivation activation = DecoderActivation.ReLU)
    {
        _activation = activation;
        conv1 = stride == 2 ? DecoderBlocks.deconv2x2(inplanes, planes, stride) : ResNet.conv3x3(inplanes, planes, stride);
        bn1 = nn.BatchNorm2d(planes);
        conv2 = ResNet.conv3x3(planes, planes);
        bn2 = nn.BatchNorm2d(planes);
        this.upsample = upsample;
        register_module("conv1", conv1);
        register_module("bn1", bn1);
        register_module("conv2", conv2);
        register_module("bn2", bn2);
        if (upsample is not null) register_module("upsample", upsample);
    }

    /// <summary>A <see cref="ConvTranspose2d"/> in an upsampling block, a <see cref="Conv2d"/> otherwise.</summary>
    public ConvNd conv1 { get; }
    public BatchNorm2d bn1 { get; }
    public Conv2d conv2 { get; }
    public BatchNorm2d bn2 { get; }
    public Sequential? upsample { get; }

    public override Tensor forward(Tensor x)
    {
        var h = _activation.Apply(Backbone.Consume(conv1.call(x), bn1));
        h = Backbone.Consume(Backbone.Consume(h, conv2), bn2);
        return DecoderBlocks.AddResidual(h, x, upsample, _activation);
    }
}
