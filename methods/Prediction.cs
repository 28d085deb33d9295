using AnomalyBench.Torch;

namespace AnomalyBench.Methods;

/// <summary>A method's output for a batch: anomaly maps [B,H,W] at its input resolution and image scores [B], float32.</summary>
public sealed class Prediction : IDisposable
{
    public Prediction(Tensor maps, Tensor scores)
    {
        if (maps.dim() != 3) throw new ArgumentException($"anomaly maps must be [B,H,W], got [{string.Join(", ", maps.shape)}]", nameof(maps));
        if (scores.dim() != 1 || scores.size(0) != maps.size(0))
            throw new ArgumentException($"image scores must be [B] with B = {maps.size(0)}, got [{string.Join(", ", scores.shape)}]", nameof(scores));
        Maps = maps.DetachFromDisposeScope();
        Scores = scores.DetachFromDisposeScope();
    }

    public Tensor Maps { get; }

    public Tensor Scores { get; }

    public void Dispose()
    {
        Maps.Dispose();
        Scores.Dispose();
    }
}
