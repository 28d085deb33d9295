using AnomalyBench.Datasets;
using AnomalyBench.Torch;
using NUnit.Framework;
using static AnomalyBench.Torch.torchvision.io;

namespace AnomalyBench.Tests.Datasets;

public class PipelineTests
{
    private TempTree _tree = null!;

    [SetUp]
    public void Build() => _tree = new TempTree();

    [TearDown]
    public void Remove() => _tree.Dispose();

    /// <summary>A 4x4 RGB PNG: red ramps along x (0, 100, 200, 255), green along y (10, 20, 30, 40), blue constant 128.</summary>
    private string KnownImage()
    {
        var pixels = new byte[3 * 16];
        byte[] red = [0, 100, 200, 255];
        byte[] green = [10, 20, 30, 40];
        for (var y = 0; y < 4; y++)
        {
            for (var x = 0; x < 4; x++)
            {
                pixels[y * 4 + x] = red[x];
                pixels[16 + y * 4 + x] = green[y];
                pixels[32 + y * 4 + x] = 128;
            }
        }
        var path = _tree.Path("known.png");
        using var image = torch.from_array(pixels, [3, 4, 4]);
        write_png(image, path);
        return path;
    }

    [Test]
    public void DownscalingMatchesAHandComputedAntialiasedBilinearResize()
    {
        // Halving with PIL's bilinear filter: support 2 input pixels, triangle weights. Output
        // pixel 0 is centred at input x = 1.0: pixels 0, 1, 2 (centres 0.5, 1.5, 2.5) weigh
        // 0.75, 0.75, 0.25 (normalised by 1.75); output pixel 1, centred at 3.0: pixels 1, 2, 3
        // weigh 0.25, 0.75, 0.75.
        //   red:   (0.75·0 + 0.75·100 + 0.25·200) / 1.75 = 71.43 → 71;  (0.25·100 + 0.75·200 + 0.75·255) / 1.75 = 209.29 → 209
        //   green: (0.75·10 + 0.75·20 + 0.25·30) / 1.75 = 17.14 → 17;   (0.25·20 + 0.75·30 + 0.75·40) / 1.75 = 32.86 → 33
        var pipeline = new ImagePipeline(new Preprocessing(2, Normalization: Normalization.None));
        using var output = pipeline.LoadImage(KnownImage());
        Assert.That(output.shape, Is.EqualTo(new long[] { 3, 2, 2 }));
        float[] expected = [71, 209, 71, 209, 17, 17, 33, 33, 128, 128, 128, 128];
        Assert.That(output.data<float>(), Is.EqualTo(expected.Select(v => v / 255f).ToArray()).Within(1e-6));

        // ImageNet normalisation of the same values: (v / 255 − mean) / std per channel.
        using var normalised = new ImagePipeline(new Preprocessing(2)).LoadImage(KnownImage());
        var values = normalised.data<float>();
        Assert.That(values[0], Is.EqualTo((71 / 255f - 0.485f) / 0.229f).Within(1e-5));
        Assert.That(values[4], Is.EqualTo((17 / 255f - 0.456f) / 0.224f).Within(1e-5));
        Assert.That(values[8], Is.EqualTo((128 / 255f - 0.406f) / 0.225f).Within(1e-5));
    }

    [Test]
    public void UpscalingIsPlainBilinearWithPixelCentres()
    {
        // Input (0, 200) to 4 pixels: output centres map to input x = -0.25, 0.25, 0.75, 1.25 → 0, 50, 150, 200.
        using var row = torch.from_array(new byte[] { 0, 200, 0, 200 }, [1, 2, 2]);
        using var resized = ImagePipeline.ResizeBilinearAntialiased(row, 2, 4);
        Assert.That(resized.data<byte>(), Is.EqualTo(new byte[] { 0, 50, 150, 200, 0, 50, 150, 200 }));
    }

    [Test]
    public void ShorterSideResizeKeepsTheAspectThenCropsTheCentre()
    {
        // 8 wide, 4 high, red constant per column pair: 0 0 100 100 200 200 50 50. The shorter
        // side 4 → 2 halves both sides (2 x 4); the centre crop 2 starts at column round((4 − 2) / 2) = 1.
        // Column 1 is centred at input x = 3: (0.25·0 + 0.75·100 + 0.75·100 + 0.25·200) / 2 = 100;
        // column 2 at x = 5: (0.25·100 + 0.75·200 + 0.75·200 + 0.25·50) / 2 = 168.75 → 169.
        byte[] columns = [0, 0, 100, 100, 200, 200, 50, 50];
        var pixels = new byte[3 * 4 * 8];
        for (var y = 0; y < 4; y++)
            for (var x = 0; x < 8; x++) pixels[y * 8 + x] = columns[x];
        using var image = torch.from_array(pixels, [3, 4, 8]);
        var pipeline = new ImagePipeline(new Preprocessing(2, ResizeMode: ResizeMode.ShorterSide, Normalization: Normalization.None));
        Assert.That(pipeline.ResizedSize(4, 8), Is.EqualTo((2, 4)));
        using var output = pipeline.ResizeAndCrop(image);
        Assert.That(output.shape, Is.EqualTo(new long[] { 3, 2, 2 }));
        Assert.That(output.data<byte>()[..4], Is.EqualTo(new byte[] { 100, 169, 100, 169 }));
    }

    [Test]
    public void ResizedSizesFollowTorchvision()
    {
        var shorter = new ImagePipeline(new Preprocessing(256, 224, ResizeMode.ShorterSide));
        Assert.That(shorter.ResizedSize(1024, 1024), Is.EqualTo((256, 256)));
        Assert.That(shorter.ResizedSize(600, 1000), Is.EqualTo((256, 426)), "int(256 * 1000 / 600) = int(426.67)");
        Assert.That(shorter.ResizedSize(1000, 600), Is.EqualTo((426, 256)));
        Assert.That(new ImagePipeline(new Preprocessing(128)).ResizedSize(600, 1000), Is.EqualTo((128, 128)));
    }

    [Test]
    public void CentreCropRoundsHalfToEvenAsPythonDoes()
    {
        using var rows = torch.arange(0, 7, dtype: ScalarType.Int64);
        using var column = rows.reshape(1, 7, 1);
        using var square = column.expand(1, 7, 7);
        using var cropped = ImagePipeline.CenterCrop(square, 2);
        // (7 − 2) / 2 = 2.5 rounds to 2 (Python's round), not 3.
        Assert.That(cropped.data<long>(), Is.EqualTo(new long[] { 2, 2, 3, 3 }));
        using var five = square.narrow(1, 0, 5).narrow(2, 0, 5);
        using var croppedFive = ImagePipeline.CenterCrop(five, 2);
        // (5 − 2) / 2 = 1.5 rounds to 2.
        Assert.That(croppedFive.data<long>(), Is.EqualTo(new long[] { 2, 2, 3, 3 }));
    }

    [Test]
    public void MasksAreBinarisedAtFullSizeThenResizedNearestAndCroppedLikeTheImage()
    {
        // 8x8 mask, class id 7 on the 2x2 block at rows 2-3, columns 2-3. Nearest to 4 samples rows and
        // columns floor((i + 0.5) · 2) = 1, 3, 5, 7: the block survives at (1, 1); the crop to 2
        // starts at 1 and keeps it at (0, 0).
        _tree.Png("img.png", 8, 8);
        var maskPath = _tree.Mask("mask.png", 8, 8, (2, 2, 2, 2), value: 7);
        var sample = new Sample(_tree.Path("img.png"), maskPath, Label.Anomalous, "x", "c");
        using var prepared = new ImagePipeline(new Preprocessing(4, 2)).Prepare(sample);
        Assert.That(prepared.Mask.dtype, Is.EqualTo(ScalarType.Byte));
        Assert.That(prepared.Mask.data<byte>(), Is.EqualTo(new byte[] { 1, 0, 0, 0 }));
        Assert.That((prepared.OriginalHeight, prepared.OriginalWidth), Is.EqualTo((8, 8)));
    }

    [Test]
    public void GrayscaleImagesArePromotedToRgb()
    {
        var path = _tree.Png("gray.png", 4, 4, value: 77, channels: 1);
        var sample = new Sample(path, null, Label.Normal, "good", "c");
        using var prepared = new ImagePipeline(new Preprocessing(4)).Prepare(sample);
        Assert.That(prepared.Image.shape, Is.EqualTo(new long[] { 3, 4, 4 }));
        Assert.That(prepared.Image.data<byte>().All(v => v == 77));
        Assert.That(prepared.Mask.data<byte>().All(v => v == 0), "no mask: all zero");
    }

    [Test]
    public void RealPhotographsAndTheirMasksGoThroughThePipeline()
    {
        var category = MVTecLayoutReader.MVTecAd(Shared.Path("datasets", "hazelnut_toy")).Read("hazelnut");
        var stained = category.Test.First(s => s.IsAnomalous);
        using var prepared = new ImagePipeline(new Preprocessing(256, 224, ResizeMode.ShorterSide)).Prepare(stained);
        Assert.That(prepared.Image.shape, Is.EqualTo(new long[] { 3, 224, 224 }));
        Assert.That(prepared.Mask.data<byte>().Count(v => v == 1), Is.GreaterThan(0));
        using var original = ImagePipeline.ReadMaskAtOriginalSize(stained);
        Assert.That(original.shape, Is.EqualTo(new long[] { 1, 512, 512 }));
        Assert.That(original.data<byte>().Max(), Is.EqualTo(1));
        using var good = ImagePipeline.ReadMaskAtOriginalSize(category.Test.First(s => !s.IsAnomalous));
        Assert.That(good.shape, Is.EqualTo(new long[] { 1, 512, 512 }));
        Assert.That(good.data<byte>().Max(), Is.Zero);
    }

    [Test]
    public void InvalidSettingsNameTheField()
    {
        Assert.That(Assert.Throws<ArgumentException>(() => _ = new ImagePipeline(new Preprocessing(256, 300)))!.Message, Does.Contain("crop"));
        Assert.That(Assert.Throws<ArgumentException>(() => _ = new ImagePipeline(new Preprocessing(0)))!.Message, Does.Contain("image_size"));
        Assert.That(new Preprocessing(), Is.EqualTo(new Preprocessing(256, null, ResizeMode.Square, Normalization.ImageNet)));
    }

    // PIL's Image.resize(..., Image.LANCZOS) of Pattern(h, w), from tests/Datasets/pil_lanczos_reference.py (channel-major [3, H, W]).
    // Pillow 9.4.0
    // Down: 11x13 -> 4x5
    private static readonly byte[] s_lanczosDown = [146, 173, 49, 130, 189, 154, 181, 56, 142, 197, 162, 189, 67, 135, 203, 170, 195, 83, 63, 198, 94, 215, 112, 71, 201, 86, 208, 133, 38, 158, 36, 172, 152, 48, 170, 47, 182, 159, 55, 177, 55, 113, 195, 71, 97, 63, 120, 203, 78, 108, 71, 133, 210, 98, 43, 89, 75, 199, 114, 29];
    // Up: 5x7 -> 9x12
    private static readonly byte[] s_lanczosUp = [0, 72, 217, 240, 185, 169, 155, 135, 120, 99, 78, 68, 0, 73, 218, 241, 186, 170, 156, 136, 121, 100, 79, 69, 0, 75, 220, 243, 188, 172, 158, 138, 123, 102, 81, 71, 0, 77, 222, 245, 190, 174, 160, 140, 125, 104, 83, 73, 0, 78, 223, 246, 191, 175, 161, 141, 126, 105, 84, 74, 0, 79, 224, 247, 192, 176, 162, 142, 127, 106, 85, 75, 0, 81, 226, 249, 194, 178, 164, 144, 129, 108, 87, 77, 0, 83, 228, 251, 196, 180, 166, 146, 131, 110, 89, 79, 0, 84, 229, 252, 197, 181, 167, 147, 132, 111, 90, 80, 60, 21, 13, 143, 255, 239, 196, 184, 169, 148, 127, 117, 61, 22, 14, 144, 255, 240, 197, 185, 170, 149, 128, 118, 63, 24, 16, 146, 255, 242, 199, 187, 172, 151, 130, 120, 65, 26, 18, 148, 255, 244, 201, 189, 174, 153, 132, 122, 66, 27, 19, 149, 255, 245, 202, 190, 175, 154, 133, 123, 67, 28, 20, 150, 255, 246, 203, 191, 176, 155, 134, 124, 69, 30, 22, 152, 255, 248, 205, 193, 178, 157, 136, 126, 71, 32, 24, 154, 255, 250, 207, 195, 180, 159, 138, 128, 72, 33, 25, 155, 255, 251, 208, 196, 181, 160, 139, 129, 100, 90, 69, 55, 25, 0, 62, 210, 248, 195, 172, 166, 101, 91, 70, 56, 26, 0, 63, 211, 249, 196, 173, 167, 103, 93, 72, 58, 28, 0, 65, 213, 251, 198, 175, 169, 105, 95, 74, 60, 30, 0, 67, 215, 253, 200, 177, 171, 106, 96, 75, 61, 31, 0, 68, 216, 254, 201, 178, 172, 107, 97, 76, 62, 32, 0, 69, 217, 255, 202, 179, 173, 109, 99, 78, 64, 34, 0, 71, 219, 255, 204, 181, 175, 111, 101, 80, 66, 36, 0, 73, 221, 255, 206, 183, 177, 112, 102, 81, 67, 37, 0, 74, 222, 255, 207, 184, 178];
    // WidthOnly: 11x13 -> 11x6
    private static readonly byte[] s_lanczosWidthOnly = [128, 188, 100, 30, 182, 169, 131, 191, 103, 33, 185, 172, 134, 194, 106, 36, 188, 175, 137, 197, 109, 39, 191, 178, 140, 200, 112, 42, 194, 181, 143, 203, 115, 45, 197, 184, 146, 206, 118, 48, 200, 187, 149, 209, 121, 51, 203, 190, 152, 212, 127, 41, 92, 203, 155, 215, 130, 44, 95, 206, 158, 218, 133, 47, 98, 209, 60, 214, 158, 66, 117, 228, 63, 217, 161, 69, 120, 231, 66, 220, 161, 89, 30, 184, 69, 223, 164, 92, 33, 187, 72, 226, 167, 95, 36, 190, 25, 136, 187, 95, 39, 193, 28, 139, 190, 98, 42, 196, 31, 142, 193, 101, 45, 199, 34, 145, 196, 104, 48, 202, 37, 148, 199, 107, 51, 205, 40, 151, 202, 110, 54, 208, 69, 56, 208, 138, 50, 110, 72, 59, 211, 141, 53, 113, 75, 62, 214, 144, 56, 116, 78, 65, 217, 147, 59, 119, 81, 68, 220, 150, 62, 122, 84, 71, 223, 153, 65, 125, 87, 74, 226, 152, 84, 18, 90, 77, 229, 155, 87, 21, 93, 80, 232, 158, 90, 24, 111, 24, 150, 179, 90, 27, 114, 27, 153, 182, 93, 30];

    /// <summary>The generator's test image: ((7i + 13j + 29c) · 37) mod 256, uint8 [3, h, w].</summary>
    private static Tensor Pattern(int height, int width)
    {
        var pixels = new byte[3 * height * width];
        for (var c = 0; c < 3; c++)
            for (var i = 0; i < height; i++)
                for (var j = 0; j < width; j++) pixels[(c * height + i) * width + j] = (byte)((7 * i + 13 * j + 29 * c) * 37 % 256);
        return torch.from_array(pixels, [3, height, width]);
    }

    [TestCase(11, 13, 4, 5, "Down")]
    [TestCase(5, 7, 9, 12, "Up")]
    [TestCase(11, 13, 11, 6, "WidthOnly")]
    public void LanczosResizeMatchesPilValueForValue(int height, int width, int toHeight, int toWidth, string name)
    {
        // Down-scaling by 2.75 x 2.6 stretches the filter (support 3·scale); up-scaling rings past 0 and 255 and
        // clips; the third case runs only the horizontal pass. Every value must be PIL's, not within a grey level.
        var expected = name switch { "Down" => s_lanczosDown, "Up" => s_lanczosUp, _ => s_lanczosWidthOnly };
        using var image = Pattern(height, width);
        using var resized = PilLanczos.Resize(image, toHeight, toWidth);
        Assert.That(resized.shape, Is.EqualTo(new long[] { 3, toHeight, toWidth }));
        Assert.That(resized.dtype, Is.EqualTo(ScalarType.Byte));
        Assert.That(resized.data<byte>(), Is.EqualTo(expected));
    }

    [Test]
    public void LanczosIsThePipelinesResizeWhenAskedAndDiffersFromBilinear()
    {
        // CFA's official Resize(256, Image.ANTIALIAS) → CenterCrop(224), at 11x13 → shorter side 4 → crop 4.
        using var image = Pattern(11, 13);
        var lanczos = new ImagePipeline(new Preprocessing(4, 4, ResizeMode.ShorterSide, Normalization.None, ResizeFilter.Lanczos));
        Assert.That(lanczos.ResizedSize(11, 13), Is.EqualTo((4, 4)), "int(4 · 13 / 11) = 4");
        using var viaPipeline = lanczos.ResizeAndCrop(image);
        using var direct = PilLanczos.Resize(image, 4, 4);
        Assert.That(viaPipeline.data<byte>(), Is.EqualTo(direct.data<byte>()));
        using var bilinear = new ImagePipeline(new Preprocessing(4, 4, ResizeMode.ShorterSide, Normalization.None)).ResizeAndCrop(image);
        Assert.That(bilinear.data<byte>(), Is.Not.EqualTo(direct.data<byte>()));
        Assert.That(new Preprocessing().ResizeFilter, Is.EqualTo(ResizeFilter.Bilinear), "bilinear stays the default of every other method");
    }

    [Test]
    public void ImageNetStatisticsLiveInOnePlace()
    {
        Assert.That(ImageNet.Mean, Is.EqualTo(new[] { 0.485f, 0.456f, 0.406f }));
        Assert.That(ImageNet.Std, Is.EqualTo(new[] { 0.229f, 0.224f, 0.225f }));
        using var mean = ImageNet.MeanTensor(Device.CPU);
        Assert.That(mean.shape, Is.EqualTo(new long[] { 1, 3, 1, 1 }));
    }
}
