// The decoder's non-linearity. RD4AD and ReContrast's per-class scripts keep de_resnet.py's ReLU; ReContrast's
// unified multi-class scripts (recontrast_{mvtec,visa}_multiclass.py, replace_layers) swap every ReLU of the
// decoder for GELU (shared/research/methods-2.md §1.3).

using AnomalyBench.Torch;
using static AnomalyBench.Torch.torch.nn;

namespace AnomalyBench.Methods.ReverseDistillation;

/// <summary>The activation of the de-ResNet decoder's blocks.</summary>
public enum DecoderActivation
{
    /// <summary>nn.ReLU(inplace=True), as de_resnet.py defines it.</summary>
    ReLU,

    /// <summary>nn.GELU() (exact erf form), as ReContrast's multi-class scripts substitute it.</summary>
    GELU,
}

internal static class DecoderActivationExtensions
{
    /// <summary>Applies the activation to <paramref name="x"/>; ReLU works in place, GELU disposes its input.</summary>
    public static Tensor Apply(this DecoderActivation activation, Tensor x)
    {
        if (activation == DecoderActivation.ReLU) return x.relu_();
        using (x) return functional.gelu(x);
    }
}
