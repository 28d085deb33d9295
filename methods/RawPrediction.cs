using AnomalyBench.Torch;

namespace AnomalyBench.Methods;

/// <summary>
/// The model's share of a prediction (<see cref="IStagedPrediction.Forward"/>): the maps at the model's own resolution
/// (a patch grid, one distance map per feature level or ensemble member) and any image scores the model itself makes,
/// before the post-processing that upsamples, smooths and reduces them. What each list holds is the method's own
/// business (its <c>Forward</c> says); only its <c>Postprocess</c> reads it.
/// </summary>
public sealed class RawPrediction : IDisposable
{
    /// <param name="height">height of the input batch, which the post-processing maps back to.</param>
    /// <param name="width">width of the input batch.</param>
    /// <param name="maps">the model's maps; this object owns them.</param>
    /// <param name="scores">image scores the model computes itself (none when the score is read off the final map); owned.</param>
    public RawPrediction(long height, long width, IReadOnlyList<Tensor> maps, IReadOnlyList<Tensor>? scores = null)
    {
        ArgumentNullException.ThrowIfNull(maps);
        if (maps.Count == 0) throw new ArgumentException("a raw prediction needs at least one map", nameof(maps));
        if (height < 1 || width < 1) throw new ArgumentException($"the input size must be positive, got {height}×{width}");
        Height = height;
        Width = width;
        Maps = maps.Select(m => m.DetachFromDisposeScope()).ToList();
        Scores = (scores ?? []).Select(s => s.DetachFromDisposeScope()).ToList();
    }

    public long Height { get; }

    public long Width { get; }

    public IReadOnlyList<Tensor> Maps { get; }

    public IReadOnlyList<Tensor> Scores { get; }

    public void Dispose()
    {
        foreach (var map in Maps) map.Dispose();
        foreach (var score in Scores) score.Dispose();
    }
}
