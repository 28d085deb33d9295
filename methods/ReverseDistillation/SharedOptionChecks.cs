// The option checks RD4AD and ReContrast share: an encoder with an official decoder, a weights source, an input side
// the decoder can mirror, a smoothing σ.

using AnomalyBench.Datasets;

namespace AnomalyBench.Methods.ReverseDistillation;

internal static class SharedOptionChecks
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the field (snake_case) when a value cannot work.</summary>
    public static void Validate(string backbone, string weights, Preprocessing preprocessing, double sigma)
    {
        if (string.IsNullOrWhiteSpace(backbone)) throw new ArgumentException("backbone must name a backbone, e.g. wide_resnet50_2");
        _ = ReverseDistillationArchitecture.For(backbone);
        Backbones.WeightsSource.Validate(weights, [backbone]);
        if (preprocessing.OutputSize % 32 != 0)
            throw new ArgumentException($"the input side ({preprocessing.OutputSize} px: image_size or crop) must be a multiple of 32 so that the decoder's levels match the encoder's, e.g. 256 or 224");
        if (!(sigma >= 0) || double.IsInfinity(sigma)) throw new ArgumentException($"sigma must be 0 (no smoothing) or positive, got {sigma}");
    }
}
