using AnomalyBench.Torch;

namespace AnomalyBench.Datasets;

/// <summary>
/// A batch on the requested device:
/// <list type="bullet">
/// <item><see cref="Images"/>: float32 [B,3,S,S], /255 and normalised per the method's <see cref="Preprocessing"/>;</item>
/// <item><see cref="Masks"/>: uint8 [B,1,S,S], 0 = normal pixel, 1 = anomalous (all zero for normal images and image-level sets);</item>
/// <item><see cref="Labels"/>: int64 [B], 0 = normal, 1 = anomalous;</item>
/// <item><see cref="Samples"/> and their <see cref="OriginalSizes"/> (height, width of the files).</item>
/// </list>
/// Owns its tensors, outside every dispose scope; the <see cref="DataLoader"/> disposes it
/// when the consumer moves to the next batch, so clone what must outlive the loop step.
/// </summary>
public sealed class Batch : IDisposable
{
    internal Batch(Tensor images, Tensor masks, Tensor labels, IReadOnlyList<Sample> samples, IReadOnlyList<(int Height, int Width)> originalSizes)
    {
        Images = images.DetachFromDisposeScope();
        Masks = masks.DetachFromDisposeScope();
        Labels = labels.DetachFromDisposeScope();
        Samples = samples;
        OriginalSizes = originalSizes;
    }

    public Tensor Images { get; }

    public Tensor Masks { get; }

    public Tensor Labels { get; }

    public IReadOnlyList<Sample> Samples { get; }

    public IReadOnlyList<(int Height, int Width)> OriginalSizes { get; }

    public int Count => Samples.Count;

    public bool IsDisposed => Images.IsDisposed;

    public void Dispose()
    {
        Images.Dispose();
        Masks.Dispose();
        Labels.Dispose();
    }
}
