using AnomalyBench.Datasets;
using AnomalyBench.Torch;

namespace AnomalyBench.Methods;

/// <summary>
/// What every method implements (ARCHITECTURE.md, "Methods"). <see cref="Fit"/> sees normal
/// training images only; <see cref="Predict"/> turns a batch pre-processed with
/// <see cref="MethodOptions.Preprocessing"/> into anomaly maps at the method's input
/// resolution and one score per image. The runner owns everything else: data, resizing
/// maps for evaluation, metrics, files.
/// </summary>
public interface IAnomalyMethod : IDisposable
{
    /// <summary>The hyper-parameters this instance runs with, pre-processing included.</summary>
    MethodOptions Options { get; }

    /// <summary>Learns the normal distribution from <paramref name="train"/> (normal images only).</summary>
    void Fit(IReadOnlyList<Sample> train, FitContext context);

    /// <summary>Scores a batch of images [B,3,S,S]; the caller disposes the result.</summary>
    Prediction Predict(Tensor images);

    /// <summary>Writes the fitted state to a safetensors checkpoint with the hyper-parameters in its metadata.</summary>
    void Save(string path);

    /// <summary>Restores the state <see cref="Save"/> wrote (same key and hyper-parameters).</summary>
    void Load(string path);

    /// <summary>Where the method's pretrained weights came from (file and SHA-256, or "random (seed N)"), recorded in every result.</summary>
    string WeightsProvenance => "none (no pretrained weights)";
}
