using AnomalyBench.Methods;
using AnomalyBench.Methods.Cfa;
using AnomalyBench.Methods.PatchCore;
using AnomalyBench.Tests.Torch;
using AnomalyBench.Torch;
using NUnit.Framework;

namespace AnomalyBench.Tests.Methods;

/// <summary>
/// The one anomaly-map function of PatchCore and CFA (<see cref="PatchScoreMap.Upsample"/>): bilinear upsampling with
/// align_corners=False, then scipy's gaussian_filter (reflect border, truncate 4). The expected maps are computed
/// here in double precision from the two definitions, on a map with structure (a constant map cannot tell the
/// interpolation mode, align_corners or the order of the two steps apart).
/// </summary>
public class PatchScoreMapTests
{
    // A 2x3 grid of patch scores for two images.
    private static readonly float[] s_scores = [0, 4, 1, 9, 2, 6, 5, 0, 3, 1, 8, 2];

    [TestCase(0.0)]
    [TestCase(1.0)]
    public void UpsamplesBilinearlyWithoutAlignedCornersThenSmoothsAsScipy(double sigma)
    {
        using var scope = torch.NewDisposeScope();
        var scores = torch.from_array(s_scores, [2, 2, 3]);
        var maps = PatchScoreMap.Upsample(scores, 9, 12, sigma);
        var expected = new List<double>();
        for (var b = 0; b < 2; b++)
        {
            var upsampled = Bilinear(s_scores.Skip(b * 6).Take(6).Select(v => (double)v).ToArray(), 2, 3, 9, 12);
            expected.AddRange(sigma > 0 ? Gaussian(upsampled, 9, 12, sigma) : upsampled);
        }
        TensorAssert.Close(maps, [.. expected], [2, 9, 12], 1e-5);
        // CFA's map is this function (PatchCore and ReConPatch call it directly).
        using var cfa = PatchScorer.Predict(scores, 9, 12, sigma);
        Assert.That(cfa.Maps.equal(maps), Is.True);
        Assert.That(cfa.Scores.equal(maps.amax([1, 2])), Is.True, "CFA's image score is the map's maximum");
    }

    [Test]
    public void RejectsScoresThatAreNotAGridPerImageAndANegativeSigma()
    {
        using var flat = torch.zeros(2, 6);
        using var grid = torch.zeros(1, 2, 2);
        Assert.That(() => PatchScoreMap.Upsample(flat, 4, 4, 4), Throws.ArgumentException.With.Message.Contains("[B, h, w]"));
        Assert.That(() => PatchScoreMap.Upsample(grid, 4, 4, -1), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    /// <summary>PyTorch's bilinear, align_corners=False: source = (i + 0.5)·in/out − 0.5, clamped at 0; the upper neighbour clamped at the edge.</summary>
    private static double[] Bilinear(double[] map, int h, int w, int outH, int outW)
    {
        static (int Low, int High, double Weight) Source(int i, int inSize, int outSize)
        {
            var x = Math.Max((i + 0.5) * inSize / outSize - 0.5, 0);
            var low = (int)Math.Floor(x);
            return (low, Math.Min(low + 1, inSize - 1), x - low);
        }
        var result = new double[outH * outW];
        for (var i = 0; i < outH; i++)
        {
            var (y0, y1, wy) = Source(i, h, outH);
            for (var j = 0; j < outW; j++)
            {
                var (x0, x1, wx) = Source(j, w, outW);
                result[i * outW + j] = (1 - wy) * ((1 - wx) * map[y0 * w + x0] + wx * map[y0 * w + x1])
                    + wy * ((1 - wx) * map[y1 * w + x0] + wx * map[y1 * w + x1]);
            }
        }
        return result;
    }

    /// <summary>scipy.ndimage.gaussian_filter(map, σ, mode="reflect", truncate=4): separable, radius int(4σ + 0.5), d c b a | a b c d borders.</summary>
    private static double[] Gaussian(double[] map, int h, int w, double sigma)
    {
        var radius = (int)(4 * sigma + 0.5);
        var kernel = Enumerable.Range(-radius, 2 * radius + 1).Select(k => Math.Exp(-0.5 * k * k / (sigma * sigma))).ToArray();
        var total = kernel.Sum();
        static int Reflect(int i, int n) => i < 0 ? -i - 1 : i >= n ? 2 * n - i - 1 : i;
        var rows = new double[h * w];
        for (var i = 0; i < h; i++)
            for (var j = 0; j < w; j++)
                for (var k = -radius; k <= radius; k++) rows[i * w + j] += kernel[k + radius] / total * map[Reflect(i + k, h) * w + j];
        var result = new double[h * w];
        for (var i = 0; i < h; i++)
            for (var j = 0; j < w; j++)
                for (var k = -radius; k <= radius; k++) result[i * w + j] += kernel[k + radius] / total * rows[i * w + Reflect(j + k, w)];
        return result;
    }
}
