// SSM's inpainting network: official MediaBrain-SJTU/SSM models/unet_multi.py::UNet(up_mode='upsample'), the RIAD U-Net
// with a mask block after the bottleneck and after each decoder level and a fourth output channel that predicts the mask.

using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using static AnomalyBench.Torch.torch.nn;

namespace AnomalyBench.Methods.Ssm;

/// <summary>
/// Input [B, 4, S, S]: the masked image (3 channels) and its mask (1 = visible). Encoder down1 (3 → c, k3 s1), down2..5
/// (k4 s2 to 2c, 4c, 8c, 8c); mask1 on the bottleneck; up1..4 (nearest ×2, 1×1 conv, skip concat, two conv-BN-ReLU) each
/// followed by mask2..5; conv3×3 (c → 4) and tanh. Output [B, 4, S, S]: channels 0–2 the inpainted image, channel 3 the
/// predicted mask. c = 64 in the official network; S must be a multiple of 16.
/// </summary>
public sealed class MaskedUNet : Module<Tensor, Tensor>
{
    public MaskedUNet(int baseChannels = 64)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(baseChannels, 1);
        BaseChannels = baseChannels;
        var c = (long)baseChannels;
        register_module("down1", new UNetDownBlock(3, c, 3, 1));
        register_module("down2", new UNetDownBlock(c, 2 * c, 4, 2));
        register_module("down3", new UNetDownBlock(2 * c, 4 * c, 4, 2));
        register_module("down4", new UNetDownBlock(4 * c, 8 * c, 4, 2));
        register_module("down5", new UNetDownBlock(8 * c, 8 * c, 4, 2));
        register_module("up1", new UNetUpBlock(8 * c, 8 * c));
        register_module("up2", new UNetUpBlock(8 * c, 4 * c));
        register_module("up3", new UNetUpBlock(4 * c, 2 * c));
        register_module("up4", new UNetUpBlock(2 * c, c));
        register_module("mask1", new UNetMaskBlock(8 * c));
        register_module("mask2", new UNetMaskBlock(8 * c));
        register_module("mask3", new UNetMaskBlock(4 * c));
        register_module("mask4", new UNetMaskBlock(2 * c));
        register_module("mask5", new UNetMaskBlock(c));
        register_module("conv_final", new Sequential(new Conv2d(c, 4, 3, 1, padding: 1), new Tanh()));
    }

    public int BaseChannels { get; }

    public override Tensor forward(Tensor input)
    {
        if (input.dim() != 4 || input.size(1) != 4)
            throw new ArgumentException($"the U-Net takes [B, 4, S, S] (masked image and mask), got [{string.Join(", ", input.shape)}]", nameof(input));
        if (input.size(2) % 16 != 0 || input.size(3) % 16 != 0)
            throw new ArgumentException($"the U-Net's side must be a multiple of 16, got {input.size(2)}×{input.size(3)}", nameof(input));
        using var scope = torch.NewDisposeScope();
        var mask = input.narrow(1, 3, 1);
        var image = input.narrow(1, 0, 3);
        var x1 = Down("down1").call(image);
        var x2 = Down("down2").call(x1);
        var x3 = Down("down3").call(x2);
        var x4 = Down("down4").call(x3);
        var x5 = Down("down5").call(x4);
        var x = Mask("mask1").call(x5, mask);
        x = Mask("mask2").call(Up("up1").call(x, x4), mask);
        x = Mask("mask3").call(Up("up2").call(x, x3), mask);
        x = Mask("mask4").call(Up("up3").call(x, x2), mask);
        x = Mask("mask5").call(Up("up4").call(x, x1), mask);
        return ((Sequential)get_submodule("conv_final")).call(x).MoveToOuterDisposeScope();
    }

    private UNetDownBlock Down(string name) => (UNetDownBlock)get_submodule(name);

    private UNetUpBlock Up(string name) => (UNetUpBlock)get_submodule(name);

    private UNetMaskBlock Mask(string name) => (UNetMaskBlock)get_submodule(name);
}
