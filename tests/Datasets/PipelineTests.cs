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

    [Test]
    public void ImageNetStatisticsLiveInOnePlace()
    {
        Assert.That(ImageNet.Mean, Is.EqualTo(new[] { 0.485f, 0.456f, 0.406f }));
        Assert.That(ImageNet.Std, Is.EqualTo(new[] { 0.229f, 0.224f, 0.225f }));
        using var mean = ImageNet.MeanTensor(Device.CPU);
        Assert.That(mean.shape, Is.EqualTo(new long[] { 1, 3, 1, 1 }));
    }
}
