// SSM's decoder level: official MediaBrain-SJTU/SSM models/unet_multi.py::UNetUpBlock with up_mode='upsample' and
// merge_mode='concat' (the setting train.py and test.py build).

using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using static AnomalyBench.Torch.torch.nn;

namespace AnomalyBench.Methods.Ssm;

/// <summary>
/// Nearest ×2 upsampling → 1×1 conv (C_in → C) → concatenation with the encoder's skip (C) → conv3×3 (2C → C) → BN → ReLU →
/// conv3×3 → BN → ReLU.
/// </summary>
public sealed class UNetUpBlock : Module<Tensor, Tensor, Tensor>
{
    public UNetUpBlock(long inChannels, long outChannels)
    {
        register_module("upconv", new Conv2d(inChannels, outChannels, 1));
        register_module("conv1", new Conv2d(2 * outChannels, outChannels, 3, 1, padding: 1));
        register_module("bn1", new BatchNorm2d(outChannels));
        register_module("conv2", new Conv2d(outChannels, outChannels, 3, 1, padding: 1));
        register_module("bn2", new BatchNorm2d(outChannels));
    }

    /// <param name="fromUp">the deeper level's output [B, C_in, H/2, W/2].</param>
    /// <param name="fromDown">the encoder's skip connection [B, C, H, W].</param>
    public override Tensor forward(Tensor fromUp, Tensor fromDown)
    {
        using var scope = torch.NewDisposeScope();
        var up = functional.interpolate(fromUp, scale_factor: 2, mode: "nearest");
        up = Layer("upconv").call(up);
        var x = torch.cat([up, fromDown], 1);
        x = Layer("bn1").call(Layer("conv1").call(x)).relu();
        x = Layer("bn2").call(Layer("conv2").call(x)).relu();
        return x.MoveToOuterDisposeScope();
    }

    private Module<Tensor, Tensor> Layer(string name) => (Module<Tensor, Tensor>)get_submodule(name);
}
