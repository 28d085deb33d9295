using AnomalyBench.Torch;
using NUnit.Framework;
using static AnomalyBench.Torch.torchvision.io;

namespace AnomalyBench.Tests.Torch;

public class ImageTests
{
    private string _dir = null!;

    [SetUp]
    public void MakeDirectory() => _dir = Directory.CreateTempSubdirectory("anomalybench-images-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void ReadsARealJpegPhotographAsRgbChw()
    {
        using var image = read_image(Shared.Path("datasets", "hazelnut_toy", "hazelnut", "train", "good", "00.jpg"));
        Assert.That(image.shape, Is.EqualTo(new long[] { 3, 512, 512 }));
        Assert.That(image.dtype, Is.EqualTo(ScalarType.Byte));
        using var f = image.@float();
        using var std = f.std();
        Assert.That(std.item<float>(), Is.GreaterThan(5), "a photograph, not a blank");
    }

    [Test]
    public void ReadsAMaskPngAndConvertsChannelsOnRequest()
    {
        var path = Shared.Path("datasets", "hazelnut_toy", "hazelnut", "ground_truth", "colour", "00_mask.png");
        var (w, h, _) = image_size(path);
        Assert.That((w, h), Is.EqualTo((512, 512)));
        using var mask = read_image(path, ImageReadMode.GRAY);
        Assert.That(mask.shape, Is.EqualTo(new long[] { 1, 512, 512 }));
        using var values = mask.@float();
        using var max = values.max();
        Assert.That(max.item<float>(), Is.EqualTo(255));
        using var rgb = read_image(path, ImageReadMode.RGB);
        Assert.That(rgb.size(0), Is.EqualTo(3));
    }

    [Test]
    public void PngRoundTripIsLossless()
    {
        using var image = torch.randint(0, 256, [3, 7, 5], ScalarType.Byte);
        var path = Path.Combine(_dir, "x.png");
        write_png(image, path);
        using var back = read_image(path);
        Assert.That(back.equal(image), Is.True);
        Assert.That(Directory.GetFiles(_dir), Has.Length.EqualTo(1), "no temporary file left behind");
        using var gray = torch.randint(0, 256, [1, 4, 4], ScalarType.Byte);
        using var grayBack = decode_image(encode_png(gray));
        Assert.That(grayBack.equal(gray), Is.True);
    }

    [Test]
    public void DecodesAHandWrittenBmpToItsKnownPixels()
    {
        // A 2x1 24-bit BMP: pixel (0,0) pure red, (0,1) pure blue; rows padded to 4 bytes, stored BGR.
        byte[] pixels = [0, 0, 255, 255, 0, 0, 0, 0];
        var header = new byte[54];
        void Put(int offset, int value) => BitConverter.GetBytes(value).CopyTo(header, offset);
        header[0] = (byte)'B';
        header[1] = (byte)'M';
        Put(2, 54 + pixels.Length);
        Put(10, 54);
        Put(14, 40);
        Put(18, 2);
        Put(22, 1);
        BitConverter.GetBytes((short)1).CopyTo(header, 26);
        BitConverter.GetBytes((short)24).CopyTo(header, 28);
        Put(34, pixels.Length);
        using var image = decode_image([.. header, .. pixels]);
        Assert.That(image.shape, Is.EqualTo(new long[] { 3, 1, 2 }));
        Assert.That(image.contiguous().data<byte>(), Is.EqualTo(new byte[] { 255, 0, 0, 0, 0, 255 }));
    }

    [Test]
    public void ACorruptImageNamesTheFileAndTheProblem()
    {
        var path = Path.Combine(_dir, "broken.png");
        File.WriteAllBytes(path, [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3]);
        var error = Assert.Throws<InvalidDataException>(() => read_image(path).Dispose())!;
        Assert.That(error.Message, Does.Contain(path).And.Contain("corrupt"));
        var truncated = Path.Combine(_dir, "truncated.jpg");
        var jpeg = File.ReadAllBytes(Shared.Path("datasets", "hazelnut_toy", "hazelnut", "train", "good", "00.jpg"));
        File.WriteAllBytes(truncated, jpeg[..200]);
        Assert.Throws<InvalidDataException>(() => read_image(truncated).Dispose());
    }

    [Test]
    public void AMissingImageIsAFileNotFoundErrorWithTheFullPath()
    {
        var path = Path.Combine(_dir, "nothing.png");
        var error = Assert.Throws<FileNotFoundException>(() => read_image(path).Dispose())!;
        Assert.That(error.Message, Does.Contain(path));
    }

    [Test]
    public void EncodingRejectsNonByteTensorsWithAHint()
    {
        using var f = torch.rand(3, 4, 4);
        var error = Assert.Throws<ArgumentException>(() => encode_png(f))!;
        Assert.That(error.Message, Does.Contain("uint8"));
    }
}
