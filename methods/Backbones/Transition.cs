// A transition layer between dense blocks: Huang et al., "Densely Connected Convolutional
// Networks", CVPR 2017, Sec. 3 ("Pooling layers" and "Compression", DenseNet-C with theta = 0.5:
// BN-ReLU-Conv(1x1)-AvgPool(2x2)); ported from torchvision models/densenet.py (_Transition).

using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using static AnomalyBench.Torch.torch;

namespace AnomalyBench.Methods.Backbones;

/// <summary>torchvision's <c>_Transition</c>: state-dict keys <c>norm</c>, <c>conv</c>; halves the resolution.</summary>
public sealed class Transition : Module<Tensor, Tensor>
{
    public Transition(long num_input_features, long num_output_features)
    {
        norm = nn.BatchNorm2d(num_input_features);
        conv = nn.Conv2d(num_input_features, num_output_features, 1, bias: false);
        register_module("norm", norm);
        register_module("conv", conv);
    }

    public BatchNorm2d norm { get; }
    public Conv2d conv { get; }

    public override Tensor forward(Tensor x)
    {
        var h = norm.call(x).relu_();
        h = Backbone.Consume(h, conv);
        using (h) return nn.functional.avg_pool2d(h, 2, 2);
    }
}
