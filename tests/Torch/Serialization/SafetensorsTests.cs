using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Serialization;
using NUnit.Framework;

namespace AnomalyBench.Tests.Torch.Serialization;

public class SafetensorsTests
{
    private TempFolder _temp = null!;

    [OneTimeSetUp]
    public void CreateFolder() => _temp = new TempFolder();

    [OneTimeTearDown]
    public void DeleteFolder() => _temp.Dispose();

    private static readonly ScalarType[] s_dtypes =
    [
        ScalarType.Float32, ScalarType.Float16, ScalarType.BFloat16, ScalarType.Float64, ScalarType.Int64,
        ScalarType.Int32, ScalarType.Int16, ScalarType.Int8, ScalarType.Byte, ScalarType.Bool,
    ];

    private static readonly long[][] s_shapes = [[], [0], [7], [3, 4], [2, 0, 3], [2, 3, 5]];

    /// <summary>Random element bytes (any bit pattern, NaNs included; bools 0 or 1) for every dtype and shape.</summary>
    private static StateDict EveryDtype()
    {
        var random = new Random(1234);
        var dict = new StateDict();
        foreach (var dtype in s_dtypes)
        {
            foreach (var shape in s_shapes)
            {
                var numel = shape.Aggregate(1L, (a, b) => a * b);
                var bytes = new byte[numel * dtype.ElementSize()];
                random.NextBytes(bytes);
                if (dtype == ScalarType.Bool) for (var i = 0; i < bytes.Length; i++) bytes[i] &= 1;
                dict.Add($"{dtype}.[{string.Join("x", shape)}]", torch.from_bytes(bytes, dtype, shape));
            }
        }
        dict.Metadata["format"] = "pt";
        dict.Metadata["note"] = "ünïcode ✓ \"quoted\"";
        return dict;
    }

    [Test]
    public void RoundTripsEveryDtypeAndShapeByteExact()
    {
        var live = TensorAssert.LiveTensors();
        var path = _temp.File("every-dtype.safetensors");
        using (var original = EveryDtype())
        {
            Safetensors.Save(path, original);
            using var loaded = Safetensors.Load(path);
            TensorAssert.SameTensors(loaded, original);
            Assert.That(loaded.Metadata, Is.EquivalentTo(original.Metadata));
            Assert.That(loaded.Values.All(t => t.device == Device.CPU));
        }
        Assert.That(TensorAssert.LiveTensors(), Is.EqualTo(live), "tensors leaked");
    }

    [Test]
    public void WritesASpacePaddedHeaderWithContiguousOffsetsInStateDictOrder()
    {
        var path = _temp.File("layout.safetensors");
        using (var dict = EveryDtype()) Safetensors.Save(path, dict);
        var bytes = File.ReadAllBytes(path);
        var n = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.That(n % 8, Is.Zero);
        var header = Encoding.UTF8.GetString(bytes, 8, n);
        Assert.That(header.TrimEnd(' '), Does.EndWith("}"));
        Assert.That(header.Length - header.TrimEnd(' ').Length, Is.LessThan(8));

        using var doc = JsonDocument.Parse(header);
        var properties = doc.RootElement.EnumerateObject().ToList();
        Assert.That(properties[0].Name, Is.EqualTo("__metadata__"));
        long end = 0;
        foreach (var p in properties.Skip(1))
        {
            var offsets = p.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            Assert.That(offsets[0], Is.EqualTo(end), p.Name);
            end = offsets[1];
        }
        Assert.That(8 + n + end, Is.EqualTo(bytes.LongLength));
        using var again = EveryDtype();
        Assert.That(properties.Skip(1).Select(p => p.Name), Is.EqualTo(again.Keys));
    }

    [Test]
    public void SavingIsDeterministicAndAtomic()
    {
        var path = _temp.File("atomic.safetensors");
        File.WriteAllText(path, "an older file that the save replaces");
        using (var dict = EveryDtype()) Safetensors.Save(path, dict);
        var first = File.ReadAllBytes(path);
        using (var dict = EveryDtype()) Safetensors.Save(path, dict);
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(first));
        Assert.That(Directory.GetFiles(_temp.Root, "*.tmp"), Is.Empty, "temporary files left behind");
    }

    [Test]
    public void WritesNonContiguousTensorsInRowMajorOrder()
    {
        using var dict = new StateDict();
        using (var m = torch.arange(6, ScalarType.Float32).reshape(2, 3)) dict.Add("t", m.t());
        using var stream = new MemoryStream();
        Safetensors.Save(stream, dict);
        stream.Position = 0;
        using var loaded = Safetensors.Load(stream);
        Assert.That(loaded["t"].shape, Is.EqualTo(new long[] { 3, 2 }));
        Assert.That(loaded["t"].data<float>(), Is.EqualTo(new float[] { 0, 3, 1, 4, 2, 5 }));
    }

    [Test]
    public void ReadsTheTorchvisionFixture()
    {
        using var dict = Safetensors.Load(Shared.Path("fixtures", "torchvision", "basic_1111.safetensors"));
        Assert.That(dict["conv1.weight"].shape, Is.EqualTo(new long[] { 64, 3, 7, 7 }));
        Assert.That(dict["bn1.num_batches_tracked"].dtype, Is.EqualTo(ScalarType.Int64));
        Assert.That(dict["bn1.num_batches_tracked"].item<long>(), Is.EqualTo(7));
    }

    [Test]
    public void MissingFileNamesTheFullPath()
    {
        var path = _temp.File("absent.safetensors");
        var e = Assert.Throws<FileNotFoundException>(() => Safetensors.Load(path));
        Assert.That(e!.Message, Does.Contain(path));
        Assert.That(e.FileName, Is.EqualTo(path));
    }

    /// <summary>A file from a raw header and data buffer; the header size is the JSON's unless given.</summary>
    private string Raw(string name, string json, byte[] data, ulong? headerSize = null)
    {
        var header = Encoding.UTF8.GetBytes(json);
        var path = _temp.File(name);
        using var file = File.Create(path);
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, headerSize ?? (ulong)header.Length);
        file.Write(prefix);
        file.Write(header);
        file.Write(data);
        return path;
    }

    private static readonly byte[] s_eightBytes = [0, 0, 128, 63, 0, 0, 0, 64];

    private static IEnumerable<TestCaseData> CorruptFiles()
    {
        const string ok = """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""";
        yield return new TestCaseData("zero.safetensors", "", Array.Empty<byte>(), (ulong?)null, "too small for a JSON object").SetName("header size zero");
        yield return new TestCaseData("flipped.safetensors", ok, s_eightBytes, (ulong?)0x00FF_0000_0000_0000, "header size").SetName("header size beyond the file");
        yield return new TestCaseData("cut-json.safetensors", ok, s_eightBytes, (ulong?)(ulong)(ok.Length - 3), "not valid JSON").SetName("header size cuts the JSON");
        yield return new TestCaseData("array.safetensors", "[1, 2, 3]", Array.Empty<byte>(), (ulong?)null, "not an object").SetName("header is not an object");
        yield return new TestCaseData("dtype.safetensors", """{"a":{"dtype":"F8_E5M2","shape":[8],"data_offsets":[0,8]}}""", s_eightBytes, (ulong?)null, "F8_E5M2").SetName("unknown dtype");
        yield return new TestCaseData("size.safetensors", """{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", s_eightBytes, (ulong?)null, "needs 12 bytes").SetName("offsets do not match the shape");
        yield return new TestCaseData("range.safetensors", """{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}""", s_eightBytes, (ulong?)null, "truncated").SetName("offsets beyond the data");
        yield return new TestCaseData("overlap.safetensors", """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", s_eightBytes, (ulong?)null, "overlaps").SetName("overlapping tensors");
        yield return new TestCaseData("gap.safetensors", """{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", s_eightBytes, (ulong?)null, "unused bytes").SetName("a gap in the data");
        yield return new TestCaseData("trailing.safetensors", """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", s_eightBytes, (ulong?)null, "after the last tensor").SetName("bytes after the last tensor");
        yield return new TestCaseData("reversed.safetensors", """{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}""", s_eightBytes, (ulong?)null, "end before they begin").SetName("offsets reversed");
        yield return new TestCaseData("negative.safetensors", """{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", s_eightBytes, (ulong?)null, "non-negative").SetName("negative dimension");
        yield return new TestCaseData("metadata.safetensors", """{"__metadata__":{"epoch":3}}""", Array.Empty<byte>(), (ulong?)null, "metadata 'epoch'").SetName("metadata value not a string");
        yield return new TestCaseData("bool.safetensors", """{"a":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]}}""", new byte[] { 1, 2 }, (ulong?)null, "bools are 0 or 1").SetName("bool byte out of range");
        yield return new TestCaseData("twice.safetensors", """{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}""", new byte[] { 1, 2 }, (ulong?)null, "twice").SetName("a name given twice");
    }

    [TestCaseSource(nameof(CorruptFiles))]
    public void RejectsCorruptFilesNamingFileAndProblem(string name, string json, byte[] data, ulong? headerSize, string problem)
    {
        var path = Raw(name, json, data, headerSize);
        var live = TensorAssert.LiveTensors();
        var e = Assert.Throws<CheckpointFormatException>(() => Safetensors.Load(path).Dispose());
        TestContext.Out.WriteLine(e!.Message);
        Assert.That(e!.Message, Does.Contain(path));
        Assert.That(e.Message, Does.Contain(problem));
        Assert.That(e.FilePath, Is.EqualTo(path));
        Assert.That(TensorAssert.LiveTensors(), Is.EqualTo(live), "tensors leaked");
    }

    [Test]
    public void RejectsTruncatedAndGarbageFiles()
    {
        var fixture = Shared.Path("fixtures", "torchvision", "basic_1111.io.safetensors");
        var length = new FileInfo(fixture).Length;
        foreach (var cut in new[] { 4L, 100L, length / 2, length - 1 })
        {
            var path = _temp.Truncated(fixture, cut);
            var e = Assert.Throws<CheckpointFormatException>(() => Safetensors.Load(path).Dispose());
            Assert.That(e!.Message, Does.Contain(path), $"cut at {cut}");
            if (cut == 4) Assert.That(e.Message, Does.Contain("fewer than the 8-byte"));
            if (cut > 1000) Assert.That(e.Message, Does.Contain("truncated"));
        }

        var garbage = _temp.File("garbage.safetensors");
        var bytes = new byte[4096];
        new Random(7).NextBytes(bytes);
        File.WriteAllBytes(garbage, bytes);
        var g = Assert.Throws<CheckpointFormatException>(() => Safetensors.Load(garbage).Dispose());
        Assert.That(g!.Message, Does.Contain("garbage.safetensors"));
    }

    [Test]
    public void RefusesAReservedNameOnSave()
    {
        using var dict = new StateDict();
        dict.Add("__metadata__", torch.zeros(1));
        Assert.Throws<ArgumentException>(() => Safetensors.Save(new MemoryStream(), dict));
    }
}
