using AnomalyBench.Torch;
using static AnomalyBench.Torch.torchvision.io;
using F = AnomalyBench.Torch.torch.nn.functional;

namespace AnomalyBench.Datasets;

/// <summary>
/// The one image pipeline every method uses, parameterised by its <see cref="Preprocessing"/>:
/// <list type="number">
/// <item>decode with the bridge's stb_image decoder, grayscale and RGBA converted to RGB
/// (PIL's <c>Image.open(p).convert('RGB')</c> in every reference loader);</item>
/// <item>resize, bilinear and antialiased, in PIL's order: a horizontal pass then a vertical
/// pass, each rounded to 8 bits (Pillow's ImagingResample), so values match what
/// torchvision's Resize gives on a PIL image to within one grey level; or, with
/// <see cref="ResizeFilter.Lanczos"/>, PIL's Lanczos value for value (<see cref="PilLanczos"/>);</item>
/// <item>centre crop at torchvision's offsets (<c>round((h − crop) / 2)</c>);</item>
/// <item>at batch time: /255 and normalisation (<see cref="Normalization"/>).</item>
/// </list>
/// Masks: read at full size, binarised as value &gt; 0 (VisA and BTAD store class ids or
/// anti-aliased values; anomalib's read_mask), resized nearest-neighbour with pixel centres
/// (PIL's NEAREST), and cropped like the image. A mask whose size differs from its image is
/// rejected naming both files. Thread-safe: the loader runs it on several threads at once.
/// </summary>
public sealed class ImagePipeline
{
    public ImagePipeline(Preprocessing preprocessing)
    {
        Preprocessing = preprocessing.Validate();
    }

    public Preprocessing Preprocessing { get; }

    public int OutputSize => Preprocessing.OutputSize;

    /// <summary>Decodes, resizes and crops one sample (image and mask) on the CPU.</summary>
    public PreparedSample Prepare(Sample sample)
    {
        using var rgb = ReadRgb(sample.ImagePath);
        var (height, width) = ((int)rgb.size(1), (int)rgb.size(2));
        using var fullMask = sample.MaskPath is null ? null : ReadBinaryMask(sample.MaskPath, sample.ImagePath, height, width);
        var image = ResizeAndCrop(rgb);
        try
        {
            var mask = fullMask is null
                ? torch.zeros([1, OutputSize, OutputSize], ScalarType.Byte)
                : ResizeAndCropMask(fullMask);
            return new PreparedSample(sample, image, mask, height, width);
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }

    /// <summary>The pipeline's output for one image file: float32 [3,S,S], normalised, on <paramref name="device"/> (CPU by default).</summary>
    public Tensor LoadImage(string path, Device? device = null)
    {
        using var rgb = ReadRgb(path);
        using var resized = ResizeAndCrop(rgb);
        using var batch = resized.unsqueeze(0);
        using var normalized = ToInput(batch, device ?? Device.CPU);
        return normalized.squeeze(0);
    }

    /// <summary>Resizes and crops a decoded uint8 RGB image [3,H,W] to uint8 [3,S,S].</summary>
    public Tensor ResizeAndCrop(Tensor rgb)
    {
        var (height, width) = ((int)rgb.size(1), (int)rgb.size(2));
        var (h, w) = ResizedSize(height, width);
        using var resized = Preprocessing.ResizeFilter == ResizeFilter.Lanczos
            ? PilLanczos.Resize(rgb, h, w)
            : ResizeBilinearAntialiased(rgb, h, w);
        return CenterCrop(resized, OutputSize);
    }

    /// <summary>Resizes and crops a binary uint8 mask [1,H,W] to [1,S,S] (nearest neighbour, so it stays 0/1).</summary>
    public Tensor ResizeAndCropMask(Tensor mask)
    {
        var (height, width) = ((int)mask.size(1), (int)mask.size(2));
        var (h, w) = ResizedSize(height, width);
        using var resized = ResizeNearest(mask, h, w);
        return CenterCrop(resized, OutputSize);
    }

    /// <summary>
    /// uint8 images [B,3,S,S] (any device) to the network input: float32 on <paramref name="device"/>,
    /// divided by 255 (ToTensor) and normalised.
    /// </summary>
    public Tensor ToInput(Tensor images, Device device, Tensor? mean = null, Tensor? std = null)
    {
        var x = images.to(device, ScalarType.Float32);
        try
        {
            x.div_(255.0);
            if (Preprocessing.Normalization == Normalization.ImageNet)
            {
                using var m = mean is null ? ImageNet.MeanTensor(device) : null;
                using var s = std is null ? ImageNet.StdTensor(device) : null;
                x.sub_(mean ?? m!).div_(std ?? s!);
            }
            return x;
        }
        catch
        {
            x.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The size after resizing: (S, S) for <see cref="ResizeMode.Square"/>; for
    /// <see cref="ResizeMode.ShorterSide"/> the shorter side S and the longer side
    /// <c>int(S · long / short)</c>, as torchvision's Resize(int) computes it.
    /// </summary>
    public (int Height, int Width) ResizedSize(int height, int width)
    {
        var s = Preprocessing.ImageSize;
        if (Preprocessing.ResizeMode == ResizeMode.Square) return (s, s);
        return width <= height
            ? ((int)((double)s * height / width), s)
            : (s, (int)((double)s * width / height));
    }

    /// <summary>
    /// Centre crop to size×size at torchvision's offsets: top = int(round((h − size) / 2.0)),
    /// Python's round (half to even). A square resize without crop is returned as is.
    /// </summary>
    public static Tensor CenterCrop(Tensor chw, int size)
    {
        var (height, width) = (chw.size(1), chw.size(2));
        if (height == size && width == size) return chw.alias();
        if (height < size || width < size)
            throw new ArgumentException($"cannot crop {size}x{size} from a {width}x{height} image: crop must not exceed the resized size");
        var top = (long)Math.Round((height - size) / 2.0, MidpointRounding.ToEven);
        var left = (long)Math.Round((width - size) / 2.0, MidpointRounding.ToEven);
        using var rows = chw.narrow(1, top, size);
        using var cropped = rows.narrow(2, left, size);
        return cropped.contiguous();
    }

    /// <summary>
    /// Bilinear, antialiased resize of uint8 [C,H,W] as Pillow does it: the horizontal pass
    /// first, rounded to 8 bits, then the vertical pass, rounded (ImagingResample's order; its
    /// filter support widens with the down-scaling factor, as libtorch's antialias=True does).
    /// </summary>
    public static Tensor ResizeBilinearAntialiased(Tensor chw, int height, int width)
    {
        var (h, w) = (chw.size(1), chw.size(2));
        if (h == height && w == width) return chw.clone();
        using var batch = chw.unsqueeze(0);
        var current = batch.to(ScalarType.Float32);
        try
        {
            if (w != width) Replace(ref current, Pass(current, h, width));
            if (h != height) Replace(ref current, Pass(current, height, width));
            using var squeezed = current.squeeze(0);
            return squeezed.to(ScalarType.Byte);
        }
        finally
        {
            current.Dispose();
        }

        static Tensor Pass(Tensor x, long toHeight, long toWidth)
        {
            using var resized = F.interpolate(x, [toHeight, toWidth], mode: "bilinear", align_corners: false, antialias: true);
            // Pillow rounds each pass half up (adds 2^(PRECISION_BITS-1) before the shift) and clips.
            using var shifted = resized.add(0.5);
            var rounded = shifted.floor();
            rounded.clamp_(0, 255);
            return rounded;
        }

        static void Replace(ref Tensor current, Tensor next)
        {
            current.Dispose();
            current = next;
        }
    }

    /// <summary>
    /// Nearest-neighbour resize with pixel centres, PIL's NEAREST: source index floor((i + 0.5) · in / out),
    /// computed as Pillow's ImagingScaleAffine does (start at scale / 2, add the scale per pixel in
    /// double precision), so that positions landing exactly on a pixel border round the same way.
    /// </summary>
    public static Tensor ResizeNearest(Tensor chw, int height, int width)
    {
        var (h, w) = ((int)chw.size(1), (int)chw.size(2));
        if (h == height && w == width) return chw.clone();
        using var rowIndex = torch.from_array(NearestIndices(h, height));
        using var columnIndex = torch.from_array(NearestIndices(w, width));
        using var rows = chw.index_select(1, rowIndex);
        return rows.index_select(2, columnIndex);
    }

    private static long[] NearestIndices(int inSize, int outSize)
    {
        var scale = (double)inSize / outSize;
        var position = scale * 0.5;
        var indices = new long[outSize];
        for (var i = 0; i < outSize; i++)
        {
            indices[i] = Math.Clamp((long)position, 0, inSize - 1);
            position += scale;
        }
        return indices;
    }

    /// <summary>Decodes an image file to uint8 RGB [3,H,W]; a corrupt or unreadable file is an error naming it.</summary>
    public static Tensor ReadRgb(string path) => read_image(path, ImageReadMode.RGB);

    /// <summary>
    /// A mask file as uint8 [1,H,W] with values 0/1: any colour channel &gt; 0 is anomalous
    /// (an alpha channel is ignored). Checks the size against the image's.
    /// </summary>
    public static Tensor ReadBinaryMask(string maskPath, string imagePath, int imageHeight, int imageWidth)
    {
        using var raw = read_image(maskPath);
        var (channels, height, width) = ((int)raw.size(0), (int)raw.size(1), (int)raw.size(2));
        if (height != imageHeight || width != imageWidth)
            throw new InvalidDataException(
                $"mask {maskPath} is {width}x{height} (width x height) but its image {imagePath} is {imageWidth}x{imageHeight}; a mask must have its image's size: re-export the mask or remove the pair");
        using var colour = channels >= 3 ? raw.narrow(0, 0, 3) : raw.narrow(0, 0, 1);
        using var any = colour.amax([0], keepdim: true);
        using var positive = any.gt(0);
        return positive.to(ScalarType.Byte);
    }

    /// <summary>
    /// The mask of a sample at the image's original resolution, uint8 [1,H,W] with values 0/1
    /// (all zero for a normal image), for evaluation at <c>resolution: original</c>.
    /// </summary>
    public static Tensor ReadMaskAtOriginalSize(Sample sample)
    {
        var (width, height, _) = image_size(sample.ImagePath);
        return sample.MaskPath is null
            ? torch.zeros([1, height, width], ScalarType.Byte)
            : ReadBinaryMask(sample.MaskPath, sample.ImagePath, height, width);
    }
}
