using AnomalyBench.Torch;

namespace AnomalyBench.Methods;

/// <summary>A method's output for a batch: anomaly maps [B,H,W] at its input resolution and image scores [B], float32.</summary>
public sealed class Prediction : IDisposable
{
    /// <param name="scoreParts">optional [B, P] per-image parts of the score, for a method that rescores with test-set statistics (<see cref="ITestSetScoring"/>).</param>
    public Prediction(Tensor maps, Tensor scores, Tensor? scoreParts = null)
    {
        if (maps.dim() != 3) throw new ArgumentException($"anomaly maps must be [B,H,W], got [{string.Join(", ", maps.shape)}]", nameof(maps));
        if (scores.dim() != 1 || scores.size(0) != maps.size(0))
            throw new ArgumentException($"image scores must be [B] with B = {maps.size(0)}, got [{string.Join(", ", scores.shape)}]", nameof(scores));
        if (scoreParts is not null && (scoreParts.dim() != 2 || scoreParts.size(0) != maps.size(0)))
            throw new ArgumentException($"score parts must be [B, P] with B = {maps.size(0)}, got [{string.Join(", ", scoreParts.shape)}]", nameof(scoreParts));
        Maps = maps.DetachFromDisposeScope();
        Scores = scores.DetachFromDisposeScope();
        ScoreParts = scoreParts?.DetachFromDisposeScope();
    }

    public Tensor Maps { get; }

    public Tensor Scores { get; }

    /// <summary>[B, P] parts of each image's score that <see cref="ITestSetScoring.Rescore"/> combines, or null.</summary>
    public Tensor? ScoreParts { get; }

    public void Dispose()
    {
        Maps.Dispose();
        Scores.Dispose();
        ScoreParts?.Dispose();
    }
}
