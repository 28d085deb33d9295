namespace AnomalyBench.Metrics;

/// <summary>
/// One test image at pixel level: its anomaly map and its ground-truth mask (0 = normal,
/// 1 = defect), both row-major Height×Width. Memory slices let many images share one
/// contiguous buffer without copies.
/// </summary>
public readonly record struct PixelImage(ReadOnlyMemory<float> Map, ReadOnlyMemory<byte> Mask, int Height, int Width)
{
    public int PixelCount => Height * Width;
}
