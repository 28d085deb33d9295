// SSM's image score: official MediaBrain-SJTU/SSM test.py main() — min-max normalised map maximum plus min-max normalised MSE.
// The official code takes the min and max over the TEST set (transductive); the harness takes them over the training images
// by default (methods/Ssm/README.md).

using AnomalyBench.Torch;

namespace AnomalyBench.Methods.Ssm;

/// <summary>Which statistics normalise the anomaly map and the reconstruction MSE before they are added into one image score.</summary>
public enum ScoreNormalization
{
    /// <summary>Min and max of the map values and of the MSE over the training images, measured at the end of Fit (default; no test statistics).</summary>
    Train,

    /// <summary>
    /// Min and max over the test set, as the official test.py: transductive. A per-batch Predict cannot see the test set, so
    /// the runner rescores once every image is predicted (<see cref="ITestSetScoring"/>) and the results say so.
    /// </summary>
    Test,

    /// <summary>No normalisation: map maximum + MSE as they are.</summary>
    None,
}

/// <summary>
/// The ranges that turn a refined map and its MSE into SSM's image score
/// s = (max(map) − map_min)/(map_max − map_min) + (mse − mse_min)/(mse_max − mse_min).
/// The official final min-max of s is monotone and left out.
/// </summary>
public sealed record ScoreStatistics(double MapMin, double MapMax, double MseMin, double MseMax)
{
    /// <summary>No rescaling (score_norm: none).</summary>
    public static ScoreStatistics Identity { get; } = new(0, 1, 0, 1);

    /// <summary>The statistics of a set of raw maps [N,S,S] and MSEs [N].</summary>
    public static ScoreStatistics Of(Tensor maps, Tensor mse)
    {
        using var mapMin = maps.min();
        using var mapMax = maps.max();
        using var mseMin = mse.min();
        using var mseMax = mse.max();
        return new ScoreStatistics(Double(mapMin), Double(mapMax), Double(mseMin), Double(mseMax));
    }

    /// <summary>(value − min)/(max − min); a zero range divides by 1, so a constant set stays finite.</summary>
    public Tensor NormalizeMaps(Tensor maps) => Rescale(maps, MapMin, MapMax);

    public Tensor NormalizeMse(Tensor mse) => Rescale(mse, MseMin, MseMax);

    /// <summary>Image scores [B] of normalised maps [B,S,S] and raw MSEs [B].</summary>
    public Tensor ImageScores(Tensor normalizedMaps, Tensor mse)
    {
        using var peak = normalizedMaps.amax([1, 2]);
        using var scaled = NormalizeMse(mse);
        return peak + scaled;
    }

    /// <summary>As a float64 tensor [4] for checkpoints.</summary>
    public Tensor ToTensor() => torch.from_array(new[] { MapMin, MapMax, MseMin, MseMax }, [4]);

    public static ScoreStatistics FromTensor(Tensor t)
    {
        var v = TensorValues(t);
        if (v.Length != 4) throw new InvalidDataException($"score statistics must hold 4 values (map_min, map_max, mse_min, mse_max), got {v.Length}");
        return new ScoreStatistics(v[0], v[1], v[2], v[3]);
    }

    private static Tensor Rescale(Tensor x, double min, double max)
    {
        var range = max - min;
        using var shifted = x - min;
        return shifted / (range > 0 ? range : 1.0);
    }

    private static double Double(Tensor scalar)
    {
        using var d = scalar.to(Device.CPU, ScalarType.Float64);
        return d.item<double>();
    }

    private static double[] TensorValues(Tensor t)
    {
        using var d = t.to(Device.CPU, ScalarType.Float64);
        using var c = d.contiguous();
        return c.data<double>();
    }
}
