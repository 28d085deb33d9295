// SSM's encoder level: official MediaBrain-SJTU/SSM models/unet_multi.py::UNetDownBlock (the U-Net of RIAD).

using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using static AnomalyBench.Torch.torch.nn;

namespace AnomalyBench.Methods.Ssm;

/// <summary>
/// conv(k, s) → BN → ReLU → conv3×3 → BN → ReLU, every convolution with a bias and padding 1 (the official block ignores its
/// padding argument). down1 is k3 s1 (same size), down2..5 are k4 s2 (half the size). Child names follow the official module,
/// so its state dict keys match.
/// </summary>
public sealed class UNetDownBlock : Module<Tensor, Tensor>
{
    public UNetDownBlock(long inChannels, long outChannels, long kernelSize, long stride)
    {
        register_module("conv1", new Conv2d(inChannels, outChannels, kernelSize, stride, padding: 1));
        register_module("bn1", new BatchNorm2d(outChannels));
        register_module("conv2", new Conv2d(outChannels, outChannels, 3, 1, padding: 1));
        register_module("bn2", new BatchNorm2d(outChannels));
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var x = Layer("bn1").call(Layer("conv1").call(input)).relu();
        x = Layer("bn2").call(Layer("conv2").call(x)).relu();
        return x.MoveToOuterDisposeScope();
    }

    private Module<Tensor, Tensor> Layer(string name) => (Module<Tensor, Tensor>)get_submodule(name);
}
