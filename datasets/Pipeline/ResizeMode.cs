namespace AnomalyBench.Datasets;

/// <summary>How an image reaches <see cref="Preprocessing.ImageSize"/>.</summary>
public enum ResizeMode
{
    /// <summary>Both sides to ImageSize: torchvision <c>Resize((size, size))</c> (ReContrast, RD4AD, SSM).</summary>
    Square,

    /// <summary>
    /// The shorter side to ImageSize, the aspect ratio kept: torchvision <c>Resize(size)</c>
    /// (PatchCore, CFA), followed by a centre crop (to <see cref="Preprocessing.Crop"/>, or to
    /// ImageSize when no crop is given, so that batches are square).
    /// </summary>
    ShorterSide,
}
