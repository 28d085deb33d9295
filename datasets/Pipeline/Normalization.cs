namespace AnomalyBench.Datasets;

/// <summary>What the [0,1] pixel values become.</summary>
public enum Normalization
{
    /// <summary>(x − mean) / std per channel with <see cref="Datasets.ImageNet"/>'s statistics (every ImageNet-backbone method).</summary>
    ImageNet,

    /// <summary>Values stay in [0,1] (<c>ToTensor()</c> only; SSM's inpainting network works on these).</summary>
    None,
}
