using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using AnomalyBench.Torch.Optim;
using NUnit.Framework;

namespace AnomalyBench.Tests.Torch.Nn;

public class NnModuleTests
{
    /// <summary>A module with its own parameter, a non-persistent buffer and nested children, like a small backbone.</summary>
    private sealed class Net : Module<Tensor, Tensor>
    {
        public readonly Sequential features;
        public readonly Linear fc;

        public Net()
        {
            register_parameter("scale", torch.ones(1));
            register_buffer("offset", torch.zeros(1), persistent: false);
            features = new Sequential(new Conv2d(3, 4, 3, padding: 1, bias: false), new BatchNorm2d(4), new ReLU(inplace: true),
                new AdaptiveAvgPool2d(2), new Flatten());
            register_module("features", features);
            fc = new Linear(16, 2);
            register_module("fc", fc);
        }

        public override Tensor forward(Tensor input)
        {
            using var f = features.call(input);
            using var y = fc.call(f);
            using var scaled = y * get_parameter("scale");
            return scaled + get_buffer("offset");
        }
    }

    private static readonly string[] s_netKeys =
    [
        "scale",
        "features.0.weight",
        "features.1.weight", "features.1.bias", "features.1.running_mean", "features.1.running_var", "features.1.num_batches_tracked",
        "fc.weight", "fc.bias",
    ];

    [Test]
    public void StateDictKeysFollowPyTorchOrder()
    {
        using var net = new Net();
        using var sd = net.state_dict();
        Assert.That(sd.Keys, Is.EqualTo(s_netKeys));
        Assert.That(sd["features.1.num_batches_tracked"].dtype, Is.EqualTo(ScalarType.Int64));
        Assert.That(sd["features.1.num_batches_tracked"].shape, Is.Empty);
        Assert.That(net.named_parameters().Select(p => p.name),
            Is.EqualTo(new[] { "scale", "features.0.weight", "features.1.weight", "features.1.bias", "fc.weight", "fc.bias" }));
        Assert.That(net.named_buffers().Select(b => b.name),
            Is.EqualTo(new[] { "offset", "features.1.running_mean", "features.1.running_var", "features.1.num_batches_tracked" }));
        Assert.That(net.named_modules().Select(m => m.name),
            Is.EqualTo(new[] { "", "features", "features.0", "features.1", "features.2", "features.3", "features.4", "fc" }));
        Assert.That(net.named_children().Select(c => c.name), Is.EqualTo(new[] { "features", "fc" }));
    }

    [Test]
    public void StateDictHoldsDetachedCopies()
    {
        using var net = new Net();
        using var sd = net.state_dict();
        Assert.That(sd["fc.weight"].requires_grad, Is.False);
        using (torch.no_grad()) net.fc.weight.add_(1.0);
        Assert.That(sd["fc.weight"].equal(net.fc.weight), Is.False);
    }

    [Test]
    public void StrictLoadListsEveryProblem()
    {
        using var net = new Net();
        using var source = new Net();
        using var full = source.state_dict();
        using var sd = new StateDict();
        foreach (var (k, v) in full)
        {
            if (k == "features.1.running_var") continue;
            sd.Add(k, k == "fc.weight" ? torch.zeros(3, 16) : v.clone());
        }
        sd.Add("fc.extra", torch.zeros(1));
        sd.Add("head.weight", torch.zeros(1));

        var e = Assert.Throws<StateDictLoadException>(() => net.load_state_dict(sd))!;
        TestContext.Out.WriteLine(e.Message);
        Assert.That(e.MissingKeys, Is.EqualTo(new[] { "features.1.running_var" }));
        Assert.That(e.UnexpectedKeys, Is.EqualTo(new[] { "fc.extra", "head.weight" }));
        Assert.That(e.Message, Does.Contain("Missing key(s) in state_dict: \"features.1.running_var\""));
        Assert.That(e.Message, Does.Contain("Unexpected key(s) in state_dict: \"fc.extra\", \"head.weight\""));
        Assert.That(e.Message, Does.Contain("size mismatch for fc.weight: copying a param with shape [3, 16] from checkpoint, the shape in current model is [2, 16]"));

        // Non-strict: missing and unexpected keys are reported, but a shape mismatch is still an error.
        var e2 = Assert.Throws<StateDictLoadException>(() => net.load_state_dict(sd, strict: false))!;
        Assert.That(e2.Errors, Has.Count.EqualTo(1));
        Assert.That(e2.Message, Does.Contain("size mismatch for fc.weight"));

        using var good = new StateDict();
        foreach (var (k, v) in full)
        {
            if (k != "fc.bias") good.Add(k, v.clone());
        }
        good.Add("unused", torch.zeros(1));
        var result = net.load_state_dict(good, strict: false);
        Assert.That(result.missing_keys, Is.EqualTo(new[] { "fc.bias" }));
        Assert.That(result.unexpected_keys, Is.EqualTo(new[] { "unused" }));
        Assert.That(net.fc.weight.equal(source.fc.weight), Is.True);
    }

    [Test]
    public void NumBatchesTrackedMayBeAbsentAsInOldCheckpoints()
    {
        using var bn = new BatchNorm2d(3);
        using var sd = bn.state_dict();
        using var old = new StateDict();
        foreach (var (k, v) in sd)
        {
            if (k != "num_batches_tracked") old.Add(k, v.clone());
        }
        Assert.DoesNotThrow(() => bn.load_state_dict(old));
    }

    [Test]
    public void RoundTripGivesEqualOutputs()
    {
        torch.manual_seed(1);
        using var a = new Net();
        using var scope = torch.NewDisposeScope();
        // Training forwards move the running statistics away from their defaults.
        for (var k = 0; k < 3; k++) a.call(torch.randn(4, 3, 8, 8)).Dispose();
        a.eval();
        torch.manual_seed(2);
        using var b = new Net();
        b.eval();
        var x = torch.randn(2, 3, 8, 8);
        using (var before = b.call(x)) Assert.That(before.allclose(a.call(x)), Is.False);
        using (var sd = a.state_dict()) b.load_state_dict(sd);
        Assert.That(b.call(x).equal(a.call(x)), Is.True);
        Assert.That(b.get_buffer("features.1.num_batches_tracked").item<long>(), Is.EqualTo(3));
    }

    [Test]
    public void LoadConvertsDtypeAndKeepsTensors()
    {
        using var lin = new Linear(3, 2);
        var w = lin.weight;
        using var sd = new StateDict();
        sd.Add("weight", torch.ones([2, 3], ScalarType.Float64));
        sd.Add("bias", torch.zeros([2], ScalarType.Float64));
        lin.load_state_dict(sd);
        Assert.That(ReferenceEquals(lin.weight, w), Is.True);
        Assert.That(w.dtype, Is.EqualTo(ScalarType.Float32));
        Assert.That(w.requires_grad, Is.True);
        Assert.That(w.data<float>(), Is.All.EqualTo(1f));
    }

    [Test]
    public void ToFloat64KeepsParameterIdentityForOptimizers()
    {
        using var lin = new Linear(3, 2);
        var w = lin.weight;
        using var opt = new SGD(lin.parameters(), lr: 0.1);
        lin.to(ScalarType.Float64);
        Assert.That(ReferenceEquals(lin.weight, w), Is.True);
        Assert.That(w.dtype, Is.EqualTo(ScalarType.Float64));
        using var before = w.clone();
        using (var scope = torch.NewDisposeScope())
        {
            var y = lin.call(torch.ones([4, 3], ScalarType.Float64));
            y.sum().backward();
            opt.step();
        }
        using var g = w.grad!;
        Assert.That(g.dtype, Is.EqualTo(ScalarType.Float64));
        using var expected = before - g * 0.1;
        Assert.That(w.allclose(expected), Is.True);
        Assert.That(w.equal(before), Is.False);
    }

    [Test]
    public void ToConvertsOnlyFloatingTensorsAndMovesGradients()
    {
        using var bn = new BatchNorm2d(2);
        using (var s = torch.NewDisposeScope()) bn.call(torch.randn(2, 2, 3, 3)).sum().backward();
        bn.to(ScalarType.Float64);
        Assert.That(bn.running_mean!.dtype, Is.EqualTo(ScalarType.Float64));
        Assert.That(bn.num_batches_tracked!.dtype, Is.EqualTo(ScalarType.Int64));
        using var g = bn.weight!.grad!;
        Assert.That(g.dtype, Is.EqualTo(ScalarType.Float64));
        Assert.Throws<ArgumentException>(() => bn.to(ScalarType.Int32));
    }

    [Test]
    public void TrainEvalFreezeAndZeroGrad()
    {
        using var net = new Net();
        Assert.That(net.modules().All(m => m.training), Is.True);
        net.eval();
        Assert.That(net.modules().All(m => !m.training), Is.True);
        net.train();
        Assert.That(net.features[1].training, Is.True);

        using (var s = torch.NewDisposeScope()) net.call(torch.randn(2, 3, 4, 4)).sum().backward();
        Assert.That(net.parameters().All(p => { using var g = p.grad; return g is not null; }), Is.True);
        net.zero_grad();
        Assert.That(net.parameters().All(p => { using var g = p.grad; return g is null; }), Is.True);

        net.features.requires_grad_(false);
        Assert.That(net.features.parameters().Any(p => p.requires_grad), Is.False);
        Assert.That(net.fc.weight.requires_grad, Is.True);
        using (var s = torch.NewDisposeScope()) net.call(torch.randn(2, 3, 4, 4)).sum().backward();
        using (var g = net.features.get_parameter("0.weight").grad) Assert.That(g, Is.Null);
        using (var g = net.fc.weight.grad) Assert.That(g, Is.Not.Null);
    }

    [Test]
    public void RegisteredTensorsLeaveDisposeScopesAndDisposeWithTheModule()
    {
        Net net;
        using (var scope = torch.NewDisposeScope()) net = new Net();
        var tensors = net.parameters().Concat(net.buffers()).ToList();
        Assert.That(tensors.All(t => !t.IsDisposed), Is.True);
        net.Dispose();
        Assert.That(tensors.All(t => t.IsDisposed), Is.True);
    }

    [Test]
    public void RegistrationRulesAndLookups()
    {
        using var seq = new Sequential(("conv", new Conv2d(1, 2, 3)), ("act", new ReLU()));
        using (var sd = seq.state_dict()) Assert.That(sd.Keys, Is.EqualTo(new[] { "conv.weight", "conv.bias" }));
        Assert.Throws<ArgumentException>(() => seq.register_parameter("conv", torch.zeros(1)));
        Assert.Throws<ArgumentException>(() => seq.register_buffer("a.b", torch.zeros(1)));
        Assert.That(seq.get_submodule("conv"), Is.InstanceOf<Conv2d>());
        Assert.Throws<ArgumentException>(() => seq.get_parameter("conv.nothing"));

        using var conv = new Conv2d(1, 2, 3, bias: false);
        Assert.That(conv.bias, Is.Null);
        using (var sd = conv.state_dict()) Assert.That(sd.Keys, Is.EqualTo(new[] { "weight" }));
        using var empty = new Sequential();
        Assert.That(empty.ToString(), Is.EqualTo("Sequential()"));
        using var net = new Net();
        TestContext.Out.WriteLine(net);
    }
}
