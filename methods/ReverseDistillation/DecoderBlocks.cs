// Helpers shared by the de-ResNet blocks (hq-deng/RD4AD de_resnet.py: deconv2x2, the residual sum).

using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using static AnomalyBench.Torch.torch;

namespace AnomalyBench.Methods.ReverseDistillation;

internal static class DecoderBlocks
{
    /// <summary>de_resnet.py's <c>deconv2x2</c>: ConvTranspose2d(k 2, stride, no bias); it keeps PyTorch's default init.</summary>
    public static ConvTranspose2d deconv2x2(long in_planes, long out_planes, long stride) =>
        nn.ConvTranspose2d(in_planes, out_planes, 2, stride: stride, bias: false);

    /// <summary>act(h + identity), identity = x or upsample(x); disposes <paramref name="h"/> on failure.</summary>
    public static Tensor AddResidual(Tensor h, Tensor x, Sequential? upsample, DecoderActivation activation)
    {
        try
        {
            if (upsample is null)
            {
                h.add_(x);
            }
            else
            {
                using var identity = upsample.call(x);
                h.add_(identity);
            }
        }
        catch
        {
            h.Dispose();
            throw;
        }
        return activation.Apply(h);
    }
}
