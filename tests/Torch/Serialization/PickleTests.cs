using System.Numerics;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Serialization;
using NUnit.Framework;

namespace AnomalyBench.Tests.Torch.Serialization;

/// <summary>Hand-written pickles: opcodes, layouts and errors that the torchvision fixtures do not reach.</summary>
public class PickleTests
{
    private TempFolder _temp = null!;

    [OneTimeSetUp]
    public void CreateFolder() => _temp = new TempFolder();

    [OneTimeTearDown]
    public void DeleteFolder() => _temp.Dispose();

    private static readonly float[] s_six = [0, 1, 2, 3, 4, 5];

    private string Zip(string name, byte[] pickle, Dictionary<string, byte[]>? storages = null)
    {
        var path = _temp.File(name);
        CheckpointWriter.Zip(path, pickle, storages ?? new() { ["0"] = CheckpointWriter.Floats(s_six) });
        return path;
    }

    [Test]
    public void ReadsProtocol4OpcodesAndSkipsNonTensorValues()
    {
        var storage = PickleBuilder.ZipStorage("FloatStorage", "0", 6);
        var p = new PickleBuilder().Proto(4).Frame(0)
            .EmptyDict().Memoize()
            .Mark()
            // tensors sharing one storage: a matrix, its transpose (not contiguous) and a slice at an offset
            .ShortStr("w").Memoize().Tensor(storage, 0, [2, 3], [3, 1])
            .Str8("w.t").Tensor(storage, 0, [3, 2], [1, 3])
            .Str("tail").Tensor(storage, 4, [2], [1])
            // values that are not tensors and are skipped
            .BinString("step").Long4(BigInteger.Parse("123456789012345678901234567890"))
            .ShortBinString("lr").Float(0.125)
            .Str("blob").Bytes([1, 2, 3])
            .Str("tiny").ShortBytes([4])
            .Str("flags").None().True().False().Tuple3()
            .Str("one").Int(-5).Tuple1()
            .Str("list").EmptyList().Int(1).Append().Mark().Int(70000).Int(-70000).Int(1L << 40).Appends()
            .Str("obj").StackGlobal("argparse", "Namespace").EmptyTuple().NewObj().EmptyDict().Str("x").Int(1).SetItem().Build()
            .Str("again").Get(0)
            .SetItems()
            // stack noise that must leave the dict on top
            .Dup().Pop()
            .Mark().Int(1).Int(2).PopMark()
            .Stop();
        var path = Zip("protocol4.pth", p.ToArray());

        var live = TensorAssert.LiveTensors();
        using (var dict = PyTorchCheckpoint.Load(path))
        {
            Assert.That(dict.Keys, Is.EqualTo(new[] { "w", "w.t", "tail" }));
            Assert.That(dict["w"].shape, Is.EqualTo(new long[] { 2, 3 }));
            Assert.That(dict["w"].data<float>(), Is.EqualTo(s_six));
            Assert.That(dict["w.t"].shape, Is.EqualTo(new long[] { 3, 2 }));
            Assert.That(dict["w.t"].data<float>(), Is.EqualTo(new float[] { 0, 3, 1, 4, 2, 5 }));
            Assert.That(dict["w.t"].stride(), Is.EqualTo(new long[] { 2, 1 }), "materialized contiguous");
            Assert.That(dict["tail"].data<float>(), Is.EqualTo(new float[] { 4, 5 }));
        }
        Assert.That(TensorAssert.LiveTensors(), Is.EqualTo(live), "tensors leaked");
    }

    [Test]
    public void ReadsParametersLongMemoIndicesAndExpandedViews()
    {
        var storage = PickleBuilder.ZipStorage("DoubleStorage", "7", 3);
        var p = new PickleBuilder().Proto(2)
            .Global("collections", "OrderedDict").EmptyTuple().Reduce().LongPut(300)
            .Mark()
            .Str("weight").Global("torch._utils", "_rebuild_parameter").Mark()
            .Tensor(storage, 0, [3], [1]).LongPut(301)
            .True().Global("collections", "OrderedDict").EmptyTuple().Reduce().Tuple().Reduce()
            .Str("alias").LongGet(301)
            .Str("broadcast").Tensor(storage, 1, [2, 2], [0, 1])
            .Str("empty").Tensor(storage, 0, [0, 4], [4, 1])
            .Str("scalar").Tensor(storage, 2, [], [])
            .SetItems()
            // an OrderedDict state dict's BUILD state: {'_metadata': OrderedDict()}
            .EmptyDict().Str("_metadata").Global("collections", "OrderedDict").EmptyTuple().Reduce().SetItem()
            .Build()
            .Stop();
        var path = Zip("parameters.pth", p.ToArray(), new() { ["7"] = BitConverter.GetBytes(1.5).Concat(BitConverter.GetBytes(-2.0)).Concat(BitConverter.GetBytes(8.0)).ToArray() });

        using var dict = PyTorchCheckpoint.Load(path);
        Assert.That(dict.Keys, Is.EqualTo(new[] { "weight", "alias", "broadcast", "empty", "scalar" }));
        Assert.That(dict["weight"].data<double>(), Is.EqualTo(new[] { 1.5, -2.0, 8.0 }));
        Assert.That(dict["weight"].requires_grad, Is.False);
        Assert.That(dict["alias"].data<double>(), Is.EqualTo(new[] { 1.5, -2.0, 8.0 }));
        Assert.That(dict["broadcast"].data<double>(), Is.EqualTo(new[] { -2.0, 8.0, -2.0, 8.0 }));
        Assert.That(dict["empty"].shape, Is.EqualTo(new long[] { 0, 4 }));
        Assert.That(dict["scalar"].shape, Is.Empty);
        Assert.That(dict["scalar"].item<double>(), Is.EqualTo(8.0));
    }

    [Test]
    public void HalfToFloat32ConvertsHalfAndBFloat16IncludingEmptyTensors()
    {
        var half = PickleBuilder.ZipStorage("HalfStorage", "h", 2);
        var bf16 = PickleBuilder.ZipStorage("BFloat16Storage", "b", 2);
        var p = new PickleBuilder().Proto(2).EmptyDict().Mark()
            .Str("half").Tensor(half, 0, [2], [1])
            .Str("bf16").Tensor(bf16, 0, [2], [1])
            .Str("none").Tensor(half, 0, [0], [1])
            .SetItems().Stop();
        // float16 1.5 = 0x3E00, -0.25 = 0xB400; bfloat16 -2 = 0xC000, 3 = 0x4040 (little-endian bytes)
        var path = Zip("halves.pth", p.ToArray(), new() { ["h"] = [0x00, 0x3E, 0x00, 0xB4], ["b"] = [0x00, 0xC0, 0x40, 0x40] });

        using (var stored = PyTorchCheckpoint.Load(path))
        {
            Assert.That(stored.Values.Select(t => t.dtype), Is.EqualTo(new[] { ScalarType.Float16, ScalarType.BFloat16, ScalarType.Float16 }));
            Assert.That(stored["half"].data<Half>(), Is.EqualTo(new[] { (Half)1.5, (Half)(-0.25) }));
        }
        using var converted = PyTorchCheckpoint.Load(path, halfToFloat32: true);
        Assert.That(converted.Values.Select(t => t.dtype), Is.All.EqualTo(ScalarType.Float32));
        Assert.That(converted["half"].data<float>(), Is.EqualTo(new[] { 1.5f, -0.25f }));
        Assert.That(converted["bf16"].data<float>(), Is.EqualTo(new[] { -2f, 3f }));
        Assert.That(converted["none"].shape, Is.EqualTo(new long[] { 0 }));
    }

    [Test]
    public void FindsTheStateDictInsideATrainingCheckpoint()
    {
        var p = new PickleBuilder().Proto(2).EmptyDict().Mark()
            .Str("epoch").Int(12)
            .Str("state_dict").EmptyDict().Mark().Str("w").Tensor(PickleBuilder.ZipStorage("FloatStorage", "0", 6), 0, [6], [1]).SetItems()
            .Str("optimizer").EmptyDict()
            .SetItems().Stop();
        using var dict = PyTorchCheckpoint.Load(Zip("training.pth", p.ToArray()));
        Assert.That(dict.Keys, Is.EqualTo(new[] { "w" }));
        Assert.That(dict["w"].data<float>(), Is.EqualTo(s_six));
    }

    [Test]
    public void ReadsLegacyStorageViewsAndIntegerTensors()
    {
        // Two views of one root storage, as torch < 0.4 saved sliced storages, plus a second int64 storage.
        var root = PickleBuilder.LegacyStorage("FloatStorage", "100", 6, ("101", 2, 4));
        var whole = PickleBuilder.LegacyStorage("FloatStorage", "100", 6);
        var ints = PickleBuilder.LegacyStorage("LongStorage", "99", 2);
        var p = new PickleBuilder().Proto(2)
            .Global("collections", "OrderedDict").EmptyTuple().Reduce().Put(0)
            .Mark()
            .Str("view").Tensor(root, 1, [2], [1])
            .Str("whole").Tensor(whole, 0, [2, 3], [3, 1])
            .Str("ints").Tensor(ints, 0, [2], [1])
            .SetItems().Stop();
        var path = _temp.File("legacy-views.pth");
        CheckpointWriter.Legacy(path, p.ToArray(),
        [
            ("100", 6, CheckpointWriter.Floats(s_six)),
            ("99", 2, BitConverter.GetBytes(-3L).Concat(BitConverter.GetBytes(long.MaxValue)).ToArray()),
        ]);

        using var dict = PyTorchCheckpoint.Load(path);
        Assert.That(dict["view"].data<float>(), Is.EqualTo(new float[] { 3, 4 }));
        Assert.That(dict["whole"].data<float>(), Is.EqualTo(s_six));
        Assert.That(dict["ints"].data<long>(), Is.EqualTo(new[] { -3L, long.MaxValue }));
    }

    private void AssertRejected(string path, params string[] problems)
    {
        var live = TensorAssert.LiveTensors();
        var e = Assert.Throws<CheckpointFormatException>(() => PyTorchCheckpoint.Load(path).Dispose());
        TestContext.Out.WriteLine(e!.Message);
        Assert.That(e!.Message, Does.Contain(Path.GetFileName(path)));
        foreach (var problem in problems) Assert.That(e.Message, Does.Contain(problem));
        Assert.That(TensorAssert.LiveTensors(), Is.EqualTo(live), "tensors leaked");
    }

    [Test]
    public void UnknownOpcodeNamesTheOpcodeAndItsOffset()
    {
        // 'I' (INT, protocol 0 text) is not among the opcodes torch.save writes.
        var p = new PickleBuilder().Proto(2).EmptyDict().Raw("I12\n"u8).Stop();
        AssertRejected(Zip("opcode.pth", p.ToArray()), "opcode 0x49 ('I')", "at byte 3 of archive/data.pkl");
    }

    [Test]
    public void TensorReachingPastItsStorageIsAnError()
    {
        var p = new PickleBuilder().Proto(2).EmptyDict().Str("w")
            .Tensor(PickleBuilder.ZipStorage("FloatStorage", "0", 6), 2, [2, 3], [3, 1]).SetItem().Stop();
        AssertRejected(Zip("past-end.pth", p.ToArray()), "tensor 'w'", "storage '0'");
    }

    [Test]
    public void StorageEntryShorterThanDeclaredIsAnError()
    {
        var p = new PickleBuilder().Proto(2).EmptyDict().Str("w")
            .Tensor(PickleBuilder.ZipStorage("FloatStorage", "0", 60), 0, [6], [1]).SetItem().Stop();
        AssertRejected(Zip("short-storage.pth", p.ToArray()), "archive/data/0", "60");
    }

    [Test]
    public void UnsupportedTensorBuilderIsNamed()
    {
        var p = new PickleBuilder().Proto(2).EmptyDict().Mark()
            .Str("w").Tensor(PickleBuilder.ZipStorage("FloatStorage", "0", 6), 0, [6], [1])
            .Str("sparse").Global("torch._utils", "_rebuild_sparse_tensor").Mark().Int(0).Tuple().Reduce()
            .SetItems().Stop();
        AssertRejected(Zip("sparse.pth", p.ToArray()), "torch._utils._rebuild_sparse_tensor");
    }

    [Test]
    public void UnsupportedStorageClassIsNamed()
    {
        var p = new PickleBuilder().Proto(2).EmptyDict().Str("w")
            .Tensor(PickleBuilder.ZipStorage("ComplexFloatStorage", "0", 3), 0, [3], [1]).SetItem().Stop();
        AssertRejected(Zip("complex.pth", p.ToArray()), "torch.ComplexFloatStorage");
    }

    [Test]
    public void PickleEndingEarlyIsAnError()
    {
        var p = new PickleBuilder().Proto(2).EmptyDict().Str("w");
        AssertRejected(Zip("early.pth", p.ToArray()), "truncated");
    }

    [Test]
    public void WholePickledModelsAreRefused()
    {
        var p = new PickleBuilder().Proto(2).Global("torchvision.models.resnet", "ResNet").EmptyTuple().NewObj().EmptyDict().Build().Stop();
        AssertRejected(Zip("module.pth", p.ToArray()), "torchvision.models.resnet.ResNet", "state_dict()");
    }

    [Test]
    public void LegacyStorageShorterThanTheFileIsAnError()
    {
        var p = new PickleBuilder().Proto(2).EmptyDict().Str("w")
            .Tensor(PickleBuilder.LegacyStorage("FloatStorage", "5", 6), 0, [6], [1]).SetItem().Stop();
        var path = _temp.File("legacy-short.pth");
        CheckpointWriter.Legacy(path, p.ToArray(), [("5", 6, CheckpointWriter.Floats(1, 2, 3))]);
        AssertRejected(path, "storage '5'", "truncated");
    }
}
