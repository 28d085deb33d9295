// PIL's LANCZOS resize (Image.ANTIALIAS), which CFA's official loader applies (sungwool/CFA_for_anomaly_localization
// datasets/mvtec.py: T.Resize(resize, Image.ANTIALIAS) on a PIL image). Reimplemented from the behaviour of Pillow's
// libImaging/Resample.c (ImagingResample): the filter sinc(x)·sinc(x/3) on [−3, 3); when down-scaling by s, the filter
// is stretched by s (support 3·s), so the resize is antialiased; coefficients normalised to sum 1 per output pixel,
// then converted to fixed point with 22 fraction bits (normalize_coeffs_8bpc, rounded half away from zero); a
// horizontal pass, then a vertical pass, each rounded to 8 bits (add 2^21, shift right 22, clip to 0..255).

using AnomalyBench.Torch;

namespace AnomalyBench.Datasets;

/// <summary>PIL's Lanczos resize of uint8 images, value for value (tests/Datasets/PipelineTests.cs checks it against PIL's output).</summary>
public static class PilLanczos
{
    /// <summary>The filter's half-width at scale 1 (Pillow's <c>LANCZOS</c> filter struct).</summary>
    public const double Support = 3.0;

    /// <summary>Fraction bits of Pillow's 8-bit fixed-point coefficients (32 − 8 − 2).</summary>
    private const int PrecisionBits = 22;

    /// <summary>
    /// Resizes uint8 [C,H,W] to uint8 [C,height,width] as PIL's <c>Image.resize((width, height), Image.LANCZOS)</c>:
    /// the horizontal pass only when the width changes, the vertical pass only when the height changes.
    /// </summary>
    public static Tensor Resize(Tensor chw, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(chw);
        if (chw.dim() != 3 || chw.dtype != ScalarType.Byte)
            throw new ArgumentException($"expected a uint8 [C,H,W] image, got {chw.dtype} [{string.Join(", ", chw.shape)}]", nameof(chw));
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        var (h, w) = ((int)chw.size(1), (int)chw.size(2));
        if (h == height && w == width) return chw.clone();
        // float64 holds every sum of uint8 × fixed-point products exactly (|sum| < 2^40), so the integer
        // arithmetic of Pillow is reproduced whatever the order of summation.
        var current = chw.to(ScalarType.Float64);
        try
        {
            if (w != width) Replace(ref current, Pass(current, 2, w, width));
            if (h != height) Replace(ref current, Pass(current, 1, h, height));
            return current.to(ScalarType.Byte);
        }
        finally
        {
            current.Dispose();
        }
    }

    /// <summary>One pass along <paramref name="dim"/> (1 rows, 2 columns) of a float64 [C,H,W] holding 8-bit values; the result holds 8-bit values.</summary>
    private static Tensor Pass(Tensor x, int dim, int inSize, int outSize)
    {
        using var scope = torch.NewDisposeScope();
        // A dense [in, out] matrix of the fixed-point weights (zeros outside each pixel's window): one matmul, exact in float64.
        var matrix = torch.from_array(Coefficients(inSize, outSize), [inSize, outSize]);
        var sums = dim == 2 ? x.matmul(matrix) : matrix.t().matmul(x);
        // Pillow: ss = 2^(PRECISION_BITS−1) + Σ; clip8(ss) = 0 if ss ≤ 0, 255 if ss ≥ 256·2^PRECISION_BITS, else ss >> PRECISION_BITS.
        var rounded = sums.add(1 << (PrecisionBits - 1)).div(1 << PrecisionBits).floor().clamp(0, 255);
        return rounded.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Pillow's precompute_coeffs for the Lanczos filter with its 8-bit normalisation, as a row-major [in, out] matrix:
    /// entry (x, xx) is the fixed-point weight of source pixel x in output pixel xx, 0 outside the pixel's window.
    /// </summary>
    internal static double[] Coefficients(int inSize, int outSize)
    {
        var scale = (double)inSize / outSize;
        var filterScale = Math.Max(scale, 1.0);
        var support = Support * filterScale;
        var inverse = 1.0 / filterScale;
        var matrix = new double[inSize * outSize];
        var taps = new double[(int)Math.Ceiling(support) * 2 + 1];
        for (var xx = 0; xx < outSize; xx++)
        {
            var center = (xx + 0.5) * scale;
            // C's (int) truncates toward zero, as C#'s cast does.
            var xmin = Math.Max((int)(center - support + 0.5), 0);
            var xmax = Math.Min((int)(center + support + 0.5), inSize) - xmin;
            var total = 0.0;
            for (var x = 0; x < xmax; x++)
            {
                taps[x] = Filter((x + xmin - center + 0.5) * inverse);
                total += taps[x];
            }
            for (var x = 0; x < xmax; x++)
            {
                var tap = total != 0 ? taps[x] / total : taps[x];
                var fixedPoint = tap * (1 << PrecisionBits);
                matrix[(xmin + x) * outSize + xx] = (int)(tap < 0 ? fixedPoint - 0.5 : fixedPoint + 0.5);
            }
        }
        return matrix;
    }

    /// <summary>Pillow's lanczos_filter: sinc(x)·sinc(x/3) on [−3, 3), 0 outside.</summary>
    private static double Filter(double x) => x >= -Support && x < Support ? Sinc(x) * Sinc(x / Support) : 0.0;

    private static double Sinc(double x)
    {
        if (x == 0.0) return 1.0;
        x *= Math.PI;
        return Math.Sin(x) / x;
    }

    private static void Replace(ref Tensor current, Tensor next)
    {
        current.Dispose();
        current = next;
    }
}
