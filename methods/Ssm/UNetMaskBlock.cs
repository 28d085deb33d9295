// SSM's mask-conditioned block, the network's addition to RIAD's U-Net: official MediaBrain-SJTU/SSM
// models/unet_multi.py::UNetMaskBlock, applied after the bottleneck and after each decoder level.

using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using static AnomalyBench.Torch.torch.nn;

namespace AnomalyBench.Methods.Ssm;

/// <summary>
/// Tells a level which pixels are visible: the mask (1 = visible) is nearest-resized to the level's H×W, y = BN(x) is
/// concatenated with it, conv3×3 (C+1 → C) → BN → ReLU → conv3×3 (C → C), and the output is x + mask ⊙ y — a residual
/// correction on the visible positions only; hidden positions pass through unchanged.
/// </summary>
public sealed class UNetMaskBlock : Module<Tensor, Tensor, Tensor>
{
    public UNetMaskBlock(long channels)
    {
        register_module("bn1", new BatchNorm2d(channels));
        register_module("conv2", new Conv2d(channels + 1, channels, 3, 1, padding: 1));
        register_module("bn2", new BatchNorm2d(channels));
        register_module("conv3", new Conv2d(channels, channels, 3, 1, padding: 1));
    }

    /// <param name="input">features [B, C, H, W].</param>
    /// <param name="mask">the input's mask [B, 1, S, S], 1 = visible.</param>
    public override Tensor forward(Tensor input, Tensor mask)
    {
        using var scope = torch.NewDisposeScope();
        var resized = functional.interpolate(mask, [input.size(2), input.size(3)], mode: "nearest");
        var y = Layer("bn1").call(input);
        y = torch.cat([y, resized], 1);
        y = Layer("bn2").call(Layer("conv2").call(y)).relu();
        y = Layer("conv3").call(y);
        return (input + resized * y).MoveToOuterDisposeScope();
    }

    private Module<Tensor, Tensor> Layer(string name) => (Module<Tensor, Tensor>)get_submodule(name);
}
