using AnomalyBench.Torch;

namespace AnomalyBench.Datasets;

/// <summary>
/// One sample after decoding, resizing and cropping, before normalisation: what the loader
/// caches (uint8 is exact here, since PIL's resize also ends in 8-bit values, and four times
/// smaller than float). <see cref="Image"/> is uint8 [3,S,S] on the CPU, <see cref="Mask"/>
/// uint8 [1,S,S] with values 0/1. Owns both tensors, outside every dispose scope (a cached
/// sample must survive the consumer's per-step scopes).
/// </summary>
public sealed class PreparedSample(Sample sample, Tensor image, Tensor mask, int originalHeight, int originalWidth) : IDisposable
{
    public Sample Sample { get; } = sample;

    public Tensor Image { get; } = image.DetachFromDisposeScope();

    public Tensor Mask { get; } = mask.DetachFromDisposeScope();

    /// <summary>Height of the image file (and of its mask) before any resizing.</summary>
    public int OriginalHeight { get; } = originalHeight;

    public int OriginalWidth { get; } = originalWidth;

    public void Dispose()
    {
        Image.Dispose();
        Mask.Dispose();
    }
}
