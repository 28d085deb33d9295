// The input convention of the CNTK ResNet-18 in ML.NET's DnnImageFeaturizer package, read off its ResNetPreprocess.onnx:
// Split the RGB input (pixel values 0..255) into channels, Concat them as B, G, R, Sub the MeanImage initializer
// [1,3,224,224] (the per-pixel mean of the training images, per-channel averages B 103.06, G 115.90, R 123.15, varying by
// up to ±13 across the frame). No division by a standard deviation. The network's BatchNorm statistics were learnt on
// exactly these values, so every other input convention shifts every activation.
//
// The harness's pipelines hand every ImageNet backbone torchvision's convention, (v/255 − mean_c)/std_c in RGB
// (datasets/Pipeline/ImageNet.cs). This module undoes it exactly (an affine map per channel, so float32 rounding is the
// only difference) and applies CNTK's step, so that no method's pre-processing needs to know which weights run.
// Other input sizes than the export's 224: the mean image is resampled to the input (bilinear, antialiased when it
// shrinks), as the mean of training images resized to that size would be. methods/Backbones/README.md gives the
// measured difference from per-channel means.

using AnomalyBench.Datasets;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;

namespace AnomalyBench.Methods.Backbones;

/// <summary>
/// Turns torchvision-normalised RGB [N,3,H,W] into the CNTK ResNet-18's input: BGR in 0..255 minus the mean image
/// (resampled to H×W). Its state is the persistent buffer <c>mean_image</c> [1,3,224,224] in BGR order.
/// </summary>
public sealed class CntkPreprocess : Module<Tensor, Tensor>
{
    // 255·(x·std_c + mean_c) in B, G, R order gives the pixel values the CNTK network was trained on.
    private static readonly float[] s_scale = [.. Enumerable.Range(0, 3).Select(c => 255f * ImageNet.Std[2 - c])];
    private static readonly float[] s_shift = [.. Enumerable.Range(0, 3).Select(c => 255f * ImageNet.Mean[2 - c])];

    /// <summary>The side the network was exported at and the mean image has.</summary>
    public const int ExportSize = 224;

    /// <param name="mean_image">ResNetPreprocess.onnx's MeanImage [1,3,224,224], channels B, G, R; the module takes ownership.</param>
    public CntkPreprocess(Tensor mean_image)
    {
        ArgumentNullException.ThrowIfNull(mean_image);
        if (!mean_image.shape.AsSpan().SequenceEqual([1L, 3, ExportSize, ExportSize]))
            throw new ArgumentException($"the mean image must be [1, 3, {ExportSize}, {ExportSize}], got [{string.Join(", ", mean_image.shape)}]", nameof(mean_image));
        register_buffer("mean_image", mean_image);
    }

    public Tensor mean_image => get_buffer("mean_image");

    /// <summary>The mean image at <paramref name="height"/>×<paramref name="width"/>; the caller disposes it.</summary>
    public Tensor mean_image_at(long height, long width) => Resampled(height, width) ?? mean_image.clone();

    // Null at the export size, where the buffer itself is used.
    private Tensor? Resampled(long height, long width) =>
        height == ExportSize && width == ExportSize
            ? null
            : torch.nn.functional.interpolate(mean_image, [height, width], mode: "bilinear", align_corners: false, antialias: true);

    public override Tensor forward(Tensor input)
    {
        if (input.dim() != 4 || input.size(1) != 3)
            throw new ArgumentException($"the CNTK ResNet-18 takes RGB images [N, 3, H, W], got [{string.Join(", ", input.shape)}]", nameof(input));
        using var resampled = Resampled(input.size(2), input.size(3));
        using var scale = torch.from_array(s_scale, [1, 3, 1, 1], input.device);
        using var shift = torch.from_array(s_shift, [1, 3, 1, 1], input.device);
        using var bgr = input.flip(1);
        var pixels = bgr.mul(scale);
        try
        {
            return pixels.add_(shift).sub_(resampled ?? mean_image);
        }
        catch
        {
            pixels.Dispose();
            throw;
        }
    }
}
