using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using NUnit.Framework;
using static AnomalyBench.Torch.torch.nn;

namespace AnomalyBench.Tests.Torch.Nn;

/// <summary>Written as TorchSharp code is (<c>using static torch.nn</c>), as the backbones will be.</summary>
public class NnUsageStyleTests
{
    private sealed class BasicBlock : Module<Tensor, Tensor>
    {
        private readonly Conv2d conv1;
        private readonly BatchNorm2d bn1;
        private readonly Module<Tensor, Tensor> relu;
        private readonly Conv2d conv2;
        private readonly BatchNorm2d bn2;
        private readonly Sequential? downsample;

        public BasicBlock(long inplanes, long planes, long stride = 1)
        {
            conv1 = Conv2d(inplanes, planes, 3, stride: stride, padding: 1, bias: false);
            bn1 = BatchNorm2d(planes);
            relu = ReLU(inplace: true);
            conv2 = Conv2d(planes, planes, 3, padding: 1, bias: false);
            bn2 = BatchNorm2d(planes);
            if (stride != 1 || inplanes != planes)
                downsample = Sequential(Conv2d(inplanes, planes, 1, stride: stride, bias: false), BatchNorm2d(planes));
            register_module("conv1", conv1);
            register_module("bn1", bn1);
            register_module("relu", relu);
            register_module("conv2", conv2);
            register_module("bn2", bn2);
            if (downsample is not null) register_module("downsample", downsample);
            foreach (var m in modules())
            {
                if (m is Conv2d c) init.kaiming_normal_(c.weight, mode: "fan_out", nonlinearity: "relu");
            }
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = torch.NewDisposeScope();
            var identity = downsample is null ? x : downsample.call(x);
            var out1 = relu.call(bn1.call(conv1.call(x)));
            var out2 = bn2.call(conv2.call(out1));
            return relu.call(out2 + identity).MoveToOuterDisposeScope();
        }
    }

    [Test]
    public void TorchvisionStyleBlockHasTorchvisionKeys()
    {
        using var layer = Sequential(new BasicBlock(4, 8, stride: 2), new BasicBlock(8, 8));
        using var sd = layer.state_dict();
        Assert.That(sd.Keys.Where(k => k.StartsWith("0.", StringComparison.Ordinal)).Select(k => k[2..]), Is.EqualTo(new[]
        {
            "conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked",
            "conv2.weight", "bn2.weight", "bn2.bias", "bn2.running_mean", "bn2.running_var", "bn2.num_batches_tracked",
            "downsample.0.weight", "downsample.1.weight", "downsample.1.bias", "downsample.1.running_mean", "downsample.1.running_var",
            "downsample.1.num_batches_tracked",
        }));
        using var x = torch.randn(2, 4, 8, 8);
        using var y = layer.call(x);
        Assert.That(y.shape, Is.EqualTo(new long[] { 2, 8, 4, 4 }));
    }
}
