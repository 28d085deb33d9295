// The de-ResNet bottleneck of the student decoder (Deng and Li, CVPR 2022, §3.2): torchvision's Bottleneck run
// backwards. Official code: hq-deng/RD4AD de_resnet.py and guojiajeremy/ReContrast models/de_resnet.py
// (identical), class Bottleneck: a stride-2 block upsamples with a 2x2 transposed convolution in place of the 3x3
// convolution; width = planes · base_width / 64 (128 for de_wide_resnet50_2).

using AnomalyBench.Methods.Backbones;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using static AnomalyBench.Torch.torch;

namespace AnomalyBench.Methods.ReverseDistillation;

/// <summary>
/// act(bn3(conv3(act(bn2(conv2(act(bn1(conv1(x)))))))) + upsample(x)), conv2 a 2x2/2 transposed convolution in an
/// upsampling block. State-dict keys as de_resnet.py: <c>conv1</c> … <c>bn3</c>, <c>upsample.0</c>, <c>upsample.1</c>.
/// </summary>
public sealed class DecoderBottleneck : Module<Tensor, Tensor>
{
    /// <summary>Output channels over <c>planes</c>.</summary>
    public const int expansion = 4;

    private readonly DecoderActivation _activation;

    public DecoderBottleneck(long inplanes, long planes, long stride = 1, Sequential? upsample = null, long base_width = 64,
        DecoderActivation activation = DecoderActivation.ReLU)
    {
        _activation = activation;
        width = (long)(planes * (base_width / 64.0));
        conv1 = ResNet.conv1x1(inplanes, width);
        bn1 = nn.BatchNorm2d(width);
        conv2 = stride == 2 ? DecoderBlocks.deconv2x2(width, width, stride) : ResNet.conv3x3(width, width, stride);
        bn2 = nn.BatchNorm2d(width);
        conv3 = ResNet.conv1x1(width, planes * expansion);
        bn3 = nn.BatchNorm2d(planes * expansion);
        this.upsample = upsample;
        register_module("conv1", conv1);
        register_module("bn1", bn1);
        register_module("conv2", conv2);
        register_module("bn2", bn2);
        register_module("conv3", conv3);
        register_module("bn3", bn3);
        if (upsample is not null) register_module("upsample", upsample);
    }

    public Conv2d conv1 { get; }
    public BatchNorm2d bn1 { get; }

    /// <summary>A <see cref="ConvTranspose2d"/> in an upsampling block, a <see cref="Conv2d"/> otherwise.</summary>
    public ConvNd conv2 { get; }
    public BatchNorm2d bn2 { get; }
    public Conv2d conv3 { get; }
    public BatchNorm2d bn3 { get; }
    public Sequential? upsample { get; }

    /// <summary>Channels of the inner convolution.</summary>
    public long width { get; }

    public override Tensor forward(Tensor x)
    {
        var h = _activation.Apply(Backbone.Consume(conv1.call(x), bn1));
        h = _activation.Apply(Backbone.Consume(Backbone.Consume(h, conv2), bn2));
        h = Backbone.Consume(Backbone.Consume(h, conv3), bn3);
        return DecoderBlocks.AddResidual(h, x, upsample, _activation);
    }
}
