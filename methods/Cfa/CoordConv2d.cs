// CFA's patch descriptor layer: Lee et al., arXiv 2206.04325, §3.1 ("a CoordConv layer"), after Liu et al.,
// "An Intriguing Failing of Convolutional Neural Networks and the CoordConv Solution", NeurIPS 2018.
// Official code: sungwool/CFA_for_anomaly_localization utils/coordconv.py (AddCoords without the radius
// channel, CoordConv2d) as used by utils/cfa.py::Descriptor with kernel size 1.

using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;

namespace AnomalyBench.Methods.Cfa;

/// <summary>
/// A 1×1 convolution over the input with two coordinate channels appended (official AddCoords): first
/// <c>xx</c> = row index i/(H−1)·2−1, then <c>yy</c> = column index j/(W−1)·2−1, both in [−1, 1] (a side of
/// one gives 0 instead of the official division by zero). The convolution has a bias and PyTorch's default
/// Conv2d initialisation (kaiming_uniform a=√5), as the official code has; the paper's "He initialisation"
/// is not what produced its numbers. The official class also owns an unused C→C convolution, left out here.
/// </summary>
public sealed class CoordConv2d : Module<Tensor, Tensor>
{
    public CoordConv2d(long inChannels, long outChannels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outChannels, 1);
        InChannels = inChannels;
        OutChannels = outChannels;
        register_module("conv", new Conv2d(inChannels + 2, outChannels, 1, bias: true));
    }

    public long InChannels { get; }

    public long OutChannels { get; }

    /// <summary>The 1×1 convolution over C+2 channels.</summary>
    public Conv2d conv => (Conv2d)get_submodule("conv");

    public override Tensor forward(Tensor input)
    {
        using var withCoordinates = AddCoordinates(input);
        return conv.call(withCoordinates);
    }

    /// <summary>[B, C, H, W] → [B, C+2, H, W]: the input, then the row coordinate, then the column coordinate (official order).</summary>
    public static Tensor AddCoordinates(Tensor input)
    {
        if (input.dim() != 4) throw new ArgumentException($"input must be [B,C,H,W], got [{string.Join(", ", input.shape)}]", nameof(input));
        using var scope = torch.NewDisposeScope();
        var (b, h, w) = (input.size(0), input.size(2), input.size(3));
        var rows = Coordinates(h, input).view(1, 1, h, 1).expand([b, 1, h, w]);
        var columns = Coordinates(w, input).view(1, 1, 1, w).expand([b, 1, h, w]);
        return torch.cat([input, rows, columns], 1).MoveToOuterDisposeScope();
    }

    /// <summary>arange(n)/(n−1)·2−1 in the input's dtype and device; zeros for n = 1.</summary>
    private static Tensor Coordinates(long n, Tensor like)
    {
        if (n == 1) return torch.zeros([1], like.dtype, like.device);
        using var index = torch.arange(n, ScalarType.Float32, like.device);
        using var scaled = index * (2.0 / (n - 1));
        using var shifted = scaled - 1.0;
        return shifted.to(like.dtype);
    }
}
