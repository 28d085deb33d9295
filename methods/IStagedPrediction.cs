using AnomalyBench.Torch;

namespace AnomalyBench.Methods;

/// <summary>
/// <see cref="IAnomalyMethod.Predict"/> cut at the seam between the model and its post-processing, so that a benchmark
/// can time each (issue 13: the bottleneck must be visible). <see cref="Forward"/> runs the networks and the scoring
/// at the model's resolution; <see cref="Postprocess"/> does what follows on the maps (upsampling to the input size,
/// Gaussian smoothing, normalisation, the image score). Predict is exactly <c>Postprocess(Forward(images))</c>.
/// </summary>
public interface IStagedPrediction
{
    /// <summary>The model's share for a batch [B,3,S,S] (validated as Predict validates it); the caller disposes it.</summary>
    RawPrediction Forward(Tensor images);

    /// <summary>Maps [B,S,S] and image scores from <paramref name="raw"/>, which it leaves as it was (it may be post-processed again).</summary>
    Prediction Postprocess(RawPrediction raw);
}

/// <summary>Predict through the two stages.</summary>
public static class StagedPrediction
{
    /// <summary><c>Postprocess(Forward(images))</c>, disposing the raw prediction.</summary>
    public static Prediction PredictInStages(this IStagedPrediction method, Tensor images)
    {
        ArgumentNullException.ThrowIfNull(method);
        using var raw = method.Forward(images);
        return method.Postprocess(raw);
    }
}
