using System.IO.Compression;
using System.Text.Json;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Serialization;
using NUnit.Framework;

namespace AnomalyBench.Tests.Torch.Serialization;

/// <summary>The torchvision fixtures written by PyTorch 1.13.1 (see shared/fixtures/torchvision/README.md).</summary>
public class PyTorchCheckpointTests
{
    private TempFolder _temp = null!;

    [OneTimeSetUp]
    public void CreateFolder() => _temp = new TempFolder();

    [OneTimeTearDown]
    public void DeleteFolder() => _temp.Dispose();

    private static string Fixture(string name) => Shared.Path("fixtures", "torchvision", name);

    [Test]
    public void ZipStateDictEqualsItsSafetensorsTwin()
    {
        var live = TensorAssert.LiveTensors();
        using (var pth = PyTorchCheckpoint.Load(Fixture("basic_1111.pth")))
        using (var st = Safetensors.Load(Fixture("basic_1111.safetensors")))
        {
            TensorAssert.SameTensors(pth, st);
            Assert.That(pth.Keys.First(), Is.EqualTo("conv1.weight"));
            var tracked = pth["layer1.0.bn1.num_batches_tracked"];
            Assert.That(tracked.dtype, Is.EqualTo(ScalarType.Int64));
            Assert.That(tracked.shape, Is.Empty);
            Assert.That(tracked.item<long>(), Is.EqualTo(7));
            Assert.That(pth["fc.weight"].shape, Is.EqualTo(new long[] { 10, 512 }));
        }
        Assert.That(TensorAssert.LiveTensors(), Is.EqualTo(live), "tensors leaked");
    }

    [Test]
    public void WideBottleneckHasWideResNetShapesUpToLayer3()
    {
        using var dict = PyTorchCheckpoint.Load(Fixture("wide_bottleneck_111.pth"));
        Assert.That(dict.Keys.Where(k => k.StartsWith("layer4.", StringComparison.Ordinal) || k.StartsWith("fc.", StringComparison.Ordinal)), Is.Empty);
        Assert.That(dict["layer1.0.conv2.weight"].shape, Is.EqualTo(new long[] { 128, 128, 3, 3 }));
        Assert.That(dict["layer3.0.downsample.0.weight"].shape, Is.EqualTo(new long[] { 1024, 512, 1, 1 }));

        // Every key is a Wide-ResNet-50-2 key with the same shape (one block per stage instead of 3/4/6).
        using var json = JsonDocument.Parse(File.ReadAllText(Fixture("wide_resnet50_2.keys.json")));
        var reference = json.RootElement.EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(e => e.GetInt64()).ToArray());
        foreach (var (key, tensor) in dict)
        {
            Assert.That(reference.ContainsKey(key), key);
            Assert.That(tensor.shape, Is.EqualTo(reference[key]), key);
        }
    }

    [TestCase("basic_1111")]
    [TestCase("wide_bottleneck_111")]
    public void LayerOutputsEqualTheirSafetensorsTwin(string name)
    {
        using var pth = PyTorchCheckpoint.Load(Fixture($"{name}.io.pth"));
        using var st = Safetensors.Load(Fixture($"{name}.io.safetensors"));
        Assert.That(pth.Keys, Is.EquivalentTo(st.Keys));
        foreach (var (key, expected) in st)
        {
            Assert.That(pth[key].dtype, Is.EqualTo(expected.dtype), key);
            Assert.That(pth[key].shape, Is.EqualTo(expected.shape), key);
            TensorAssert.SameBytes(pth[key], expected, key);
        }
        Assert.That(pth["input"].shape, Is.EqualTo(new long[] { 2, 3, 64, 64 }));
    }

    [Test]
    public void LegacyFloat16FileEqualsTheZipFileRoundedToFloat16()
    {
        var live = TensorAssert.LiveTensors();
        using (var zip = PyTorchCheckpoint.Load(Fixture("wide_bottleneck_111.pth")))
        using (var legacy = PyTorchCheckpoint.Load(Fixture("wide_bottleneck_111.legacy_f16.pth")))
        {
            Assert.That(legacy.Keys, Is.EqualTo(zip.Keys));
            foreach (var (key, z) in zip)
            {
                var l = legacy[key];
                Assert.That(l.shape, Is.EqualTo(z.shape), key);
                if (z.dtype.IsFloatingPoint())
                {
                    Assert.That(l.dtype, Is.EqualTo(ScalarType.Float16), key);
                    using var rounded = z.to(ScalarType.Float16);
                    TensorAssert.SameBytes(l, rounded, key);
                }
                else
                {
                    Assert.That(l.dtype, Is.EqualTo(z.dtype), key);
                    TensorAssert.SameBytes(l, z, key);
                }
            }
            Assert.That(legacy["bn1.num_batches_tracked"].item<long>(), Is.EqualTo(7));
        }
        Assert.That(TensorAssert.LiveTensors(), Is.EqualTo(live), "tensors leaked");
    }

    [Test]
    public void HalfToFloat32ConvertsOnlyFloatingTensors()
    {
        using var zip = PyTorchCheckpoint.Load(Fixture("wide_bottleneck_111.pth"));
        using var legacy = PyTorchCheckpoint.Load(Fixture("wide_bottleneck_111.legacy_f16.pth"), halfToFloat32: true);
        foreach (var (key, z) in zip)
        {
            var l = legacy[key];
            Assert.That(l.dtype, Is.EqualTo(z.dtype), key);
            if (!z.dtype.IsFloatingPoint()) continue;
            using var half = z.to(ScalarType.Float16);
            using var expected = half.to(ScalarType.Float32);
            TensorAssert.SameBytes(l, expected, key);
        }
    }

    [Test]
    public void MissingFileNamesTheFullPath()
    {
        var path = _temp.File("absent.pth");
        var e = Assert.Throws<FileNotFoundException>(() => PyTorchCheckpoint.Load(path));
        Assert.That(e!.Message, Does.Contain(path));
        Assert.That(e.FileName, Is.EqualTo(path));
    }

    private static void AssertCorrupt(string path, string? problem = null)
    {
        var live = TensorAssert.LiveTensors();
        var e = Assert.Throws<CheckpointFormatException>(() => PyTorchCheckpoint.Load(path).Dispose());
        TestContext.Out.WriteLine(e!.Message);
        Assert.That(e!.Message, Does.Contain(path));
        if (problem is not null) Assert.That(e.Message, Does.Contain(problem));
        Assert.That(TensorAssert.LiveTensors(), Is.EqualTo(live), "tensors leaked");
    }

    [Test]
    public void RejectsTruncatedZipFiles()
    {
        var fixture = Fixture("basic_1111.io.pth");
        var length = new FileInfo(fixture).Length;
        foreach (var cut in new[] { 3L, 100L, length / 2, length - 30 })
            AssertCorrupt(_temp.Truncated(fixture, cut));
    }

    [Test]
    public void RejectsTruncatedLegacyFiles()
    {
        var fixture = Fixture("wide_bottleneck_111.legacy_f16.pth");
        var length = new FileInfo(fixture).Length;
        AssertCorrupt(_temp.Truncated(fixture, 20), "truncated");
        AssertCorrupt(_temp.Truncated(fixture, 5000), "truncated");
        AssertCorrupt(_temp.Truncated(fixture, length / 2), "truncated");
        AssertCorrupt(_temp.Truncated(fixture, length - 1), "truncated");
    }

    [Test]
    public void RejectsAZipWithAMissingStorageEntry()
    {
        var path = _temp.File("missing-storage.pth");
        using (var source = ZipFile.OpenRead(Fixture("basic_1111.io.pth")))
        using (var target = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            foreach (var entry in source.Entries.Where(e => e.FullName != "basic_1111.io/data/3"))
            {
                var copy = target.CreateEntry(entry.FullName, CompressionLevel.NoCompression);
                using var from = entry.Open();
                using var to = copy.Open();
                from.CopyTo(to);
            }
        }
        AssertCorrupt(path, "basic_1111.io/data/3");
    }

    [Test]
    public void RejectsFilesThatAreNotCheckpoints()
    {
        var garbage = _temp.File("garbage.pth");
        var bytes = new byte[4096];
        new Random(11).NextBytes(bytes);
        bytes[0] = 0x42;
        File.WriteAllBytes(garbage, bytes);
        AssertCorrupt(garbage, "not a torch.save checkpoint");

        var empty = _temp.File("empty.pth");
        File.WriteAllBytes(empty, []);
        AssertCorrupt(empty, "empty");

        var safetensors = _temp.File("weights.pth");
        File.Copy(Fixture("basic_1111.io.safetensors"), safetensors);
        AssertCorrupt(safetensors, "Safetensors.Load");

        var zip = _temp.File("other.zip");
        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Create))
        using (var s = archive.CreateEntry("readme.txt").Open())
            s.Write("hello"u8);
        AssertCorrupt(zip, "no data.pkl");
    }
}
