// One layer of a dense block: Huang, Liu, van der Maaten and Weinberger, "Densely Connected
// Convolutional Networks", CVPR 2017, Sec. 3 ("Bottleneck layers", DenseNet-B: BN-ReLU-Conv(1x1)-
// BN-ReLU-Conv(3x3)); ported from torchvision models/densenet.py (_DenseLayer).

using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using static AnomalyBench.Torch.torch;

namespace AnomalyBench.Methods.Backbones;

/// <summary>
/// torchvision's <c>_DenseLayer</c>: the concatenation of all earlier feature maps in, growth_rate new
/// channels out. State-dict keys <c>norm1</c>, <c>conv1</c>, <c>norm2</c>, <c>conv2</c>; the ReLUs are
/// applied in place and hold no state. torchvision's layer concatenates its inputs itself; here the
/// <see cref="DenseBlock"/> passes the concatenation (same arithmetic).
/// </summary>
public sealed class DenseLayer : Module<Tensor, Tensor>
{
    public DenseLayer(long num_input_features, long growth_rate, long bn_size, double drop_rate)
    {
        norm1 = nn.BatchNorm2d(num_input_features);
        conv1 = nn.Conv2d(num_input_features, bn_size * growth_rate, 1, bias: false);
        norm2 = nn.BatchNorm2d(bn_size * growth_rate);
        conv2 = nn.Conv2d(bn_size * growth_rate, growth_rate, 3, padding: 1, bias: false);
        this.drop_rate = drop_rate;
        register_module("norm1", norm1);
        register_module("conv1", conv1);
        register_module("norm2", norm2);
        register_module("conv2", conv2);
    }

    public BatchNorm2d norm1 { get; }
    public Conv2d conv1 { get; }
    public BatchNorm2d norm2 { get; }
    public Conv2d conv2 { get; }
    public double drop_rate { get; }

    public override Tensor forward(Tensor concatenated)
    {
        var h = norm1.call(concatenated).relu_();
        h = Backbone.Consume(h, conv1);
        h = Backbone.Consume(h, norm2).relu_();
        h = Backbone.Consume(h, conv2);
        if (drop_rate <= 0 || !training) return h;
        using (h) return nn.functional.dropout(h, drop_rate, training);
    }
}
