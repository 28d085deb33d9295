namespace AnomalyBench.Datasets;

/// <summary>The interpolation of the image resize (masks are always resized nearest-neighbour).</summary>
public enum ResizeFilter
{
    /// <summary>
    /// Bilinear, antialiased when down-scaling: PIL's <c>BILINEAR</c>, which torchvision's <c>Resize</c> applies to PIL
    /// images by default (PatchCore, RD4AD, ReContrast, SSM on Retinal-OCT).
    /// </summary>
    Bilinear,

    /// <summary>
    /// PIL's <c>LANCZOS</c> (= <c>Image.ANTIALIAS</c>): a 3-lobed windowed sinc, antialiased when down-scaling
    /// (<see cref="PilLanczos"/>). CFA's official loader (datasets/mvtec.py, <c>T.Resize(resize, Image.ANTIALIAS)</c>).
    /// </summary>
    Lanczos,
}
