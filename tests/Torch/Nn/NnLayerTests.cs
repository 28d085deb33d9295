using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using NUnit.Framework;
using F = AnomalyBench.Torch.torch.nn.functional;

namespace AnomalyBench.Tests.Torch.Nn;

public class NnLayerTests
{
    private static double[] ChannelMeans(double[] x, int n, int c, int hw) =>
        Enumerable.Range(0, c).Select(ch => Enumerable.Range(0, n).SelectMany(b => Enumerable.Range(0, hw).Select(k => x[(b * c + ch) * hw + k])).Average()).ToArray();

    private static double[] ChannelUnbiasedVars(double[] x, int n, int c, int hw)
    {
        var means = ChannelMeans(x, n, c, hw);
        return Enumerable.Range(0, c).Select(ch =>
            Enumerable.Range(0, n).SelectMany(b => Enumerable.Range(0, hw).Select(k => x[(b * c + ch) * hw + k] - means[ch]))
                .Sum(d => d * d) / (n * hw - 1)).ToArray();
    }

    [Test]
    public void BatchNorm2dTrainingUpdatesRunningStatistics()
    {
        using var scope = torch.NewDisposeScope();
        using var bn = new BatchNorm2d(3, dtype: ScalarType.Float64);
        var x1 = GradCheck.Randn(new Random(1), 4, 3, 2, 5).mul(2.0).add(1.0);
        var x2 = GradCheck.Randn(new Random(2), 4, 3, 2, 5).mul(0.5).sub(3.0);
        var d1 = x1.data<double>();
        var d2 = x2.data<double>();
        var (m1, v1) = (ChannelMeans(d1, 4, 3, 10), ChannelUnbiasedVars(d1, 4, 3, 10));
        var (m2, v2) = (ChannelMeans(d2, 4, 3, 10), ChannelUnbiasedVars(d2, 4, 3, 10));

        var y = bn.call(x1);
        Assert.That(bn.num_batches_tracked!.item<long>(), Is.EqualTo(1));
        Assert.That(bn.running_mean!.data<double>(), Is.EqualTo(m1.Select(m => 0.9 * 0 + 0.1 * m)).Within(1e-12));
        Assert.That(bn.running_var!.data<double>(), Is.EqualTo(v1.Select(v => 0.9 * 1 + 0.1 * v)).Within(1e-12));
        // Training output is normalised with the batch's biased statistics.
        Assert.That(y.mean([0, 2, 3]).data<double>(), Is.All.EqualTo(0).Within(1e-12));
        Assert.That(y.var([0, 2, 3], unbiased: false).data<double>(), Is.All.EqualTo(1).Within(1e-4));

        bn.call(x2);
        Assert.That(bn.num_batches_tracked.item<long>(), Is.EqualTo(2));
        Assert.That(bn.running_mean.data<double>(), Is.EqualTo(m1.Zip(m2, (a, b) => 0.9 * (0.1 * a) + 0.1 * b)).Within(1e-12));
        Assert.That(bn.running_var.data<double>(), Is.EqualTo(v1.Zip(v2, (a, b) => 0.9 * (0.9 + 0.1 * a) + 0.1 * b)).Within(1e-12));

        // Eval: running statistics, no update.
        bn.eval();
        using (torch.no_grad())
        {
            bn.weight!.copy_(torch.from_array(new double[] { 1, 2, 3 }));
            bn.bias!.copy_(torch.from_array(new double[] { -1, 0, 1 }));
        }
        var rm = bn.running_mean.view(1, 3, 1, 1);
        var rv = bn.running_var.view(1, 3, 1, 1);
        var expected = (x1 - rm) / (rv + 1e-5).sqrt() * bn.weight.view(1, 3, 1, 1) + bn.bias.view(1, 3, 1, 1);
        Assert.That(bn.call(x1).allclose(expected, 1e-10, 1e-12), Is.True);
        Assert.That(bn.num_batches_tracked.item<long>(), Is.EqualTo(2));
    }

    [Test]
    public void BatchNorm2dWithoutMomentumKeepsTheCumulativeAverage()
    {
        using var scope = torch.NewDisposeScope();
        using var bn = new BatchNorm2d(2, momentum: null, dtype: ScalarType.Float64);
        var batches = Enumerable.Range(0, 3).Select(k => GradCheck.Randn(new Random(10 + k), 3, 2, 2, 2).add(k)).ToArray();
        foreach (var b in batches) bn.call(b);
        var means = batches.Select(b => ChannelMeans(b.data<double>(), 3, 2, 4)).ToArray();
        var vars = batches.Select(b => ChannelUnbiasedVars(b.data<double>(), 3, 2, 4)).ToArray();
        Assert.That(bn.running_mean!.data<double>(), Is.EqualTo(Enumerable.Range(0, 2).Select(c => means.Average(m => m[c]))).Within(1e-12));
        Assert.That(bn.running_var!.data<double>(), Is.EqualTo(Enumerable.Range(0, 2).Select(c => vars.Average(v => v[c]))).Within(1e-12));
        Assert.That(bn.num_batches_tracked!.item<long>(), Is.EqualTo(3));
    }

    [Test]
    public void BatchNormWithoutRunningStatsUsesBatchStatisticsInEval()
    {
        using var scope = torch.NewDisposeScope();
        using var bn = new BatchNorm2d(2, track_running_stats: false, affine: false);
        using (var sd = bn.state_dict()) Assert.That(sd.Count, Is.EqualTo(0));
        bn.eval();
        var x = torch.randn(4, 2, 3, 3);
        var y = bn.call(x);
        Assert.That(y.mean([0, 2, 3]).abs().max().item<float>(), Is.LessThan(1e-5f));
    }

    [Test]
    public void LayersMatchFunctional()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(3);
        var x = torch.randn(2, 4, 9, 9);

        using var conv = new Conv2d(4, 6, 3, stride: 2, padding: 1, groups: 2);
        Assert.That(conv.weight.shape, Is.EqualTo(new long[] { 6, 2, 3, 3 }));
        Assert.That(conv.call(x).equal(F.conv2d(x, conv.weight, conv.bias, 2, 1, 1, 2)), Is.True);

        using var rect = new Conv2d(4, 3, (3, 1), padding: (1, 0));
        Assert.That(rect.call(x).shape, Is.EqualTo(new long[] { 2, 3, 9, 9 }));

        using var reflect = new Conv2d(4, 3, 3, padding: 1, padding_mode: "reflect");
        var padded = F.pad(x, [1, 1, 1, 1], "reflect");
        Assert.That(reflect.call(x).allclose(F.conv2d(padded, reflect.weight, reflect.bias)), Is.True);

        using var deconv = new ConvTranspose2d(4, 6, 3, stride: 2, padding: 1, output_padding: 1, groups: 2);
        Assert.That(deconv.weight.shape, Is.EqualTo(new long[] { 4, 3, 3, 3 }));
        var up = deconv.call(x);
        Assert.That(up.shape, Is.EqualTo(new long[] { 2, 6, 18, 18 }));
        Assert.That(up.equal(F.conv_transpose2d(x, deconv.weight, deconv.bias, 2, 1, 1, 2)), Is.True);

        using var lin = new Linear(9, 5);
        Assert.That(lin.call(x).equal(F.linear(x, lin.weight, lin.bias)), Is.True);

        Assert.That(new MaxPool2d(3, 2, 1).call(x).equal(F.max_pool2d(x, 3, 2, 1)), Is.True);
        Assert.That(new AvgPool2d(2).call(x).equal(F.avg_pool2d(x, 2)), Is.True);
        Assert.That(new AdaptiveAvgPool2d(1).call(x).shape, Is.EqualTo(new long[] { 2, 4, 1, 1 }));
        Assert.That(new Flatten().call(x).shape, Is.EqualTo(new long[] { 2, 324 }));
        Assert.That(new LeakyReLU(0.2).call(x).equal(F.leaky_relu(x, 0.2)), Is.True);
        Assert.That(new GELU().call(x).equal(F.gelu(x)), Is.True);
        Assert.That(new Sigmoid().call(x).equal(x.sigmoid()), Is.True);
        Assert.That(new Tanh().call(x).equal(x.tanh()), Is.True);
        Assert.That(new Upsample(scale_factor: 2, mode: "bilinear", align_corners: false).call(x).shape, Is.EqualTo(new long[] { 2, 4, 18, 18 }));

        var id = new Identity().call(x);
        Assert.That(ReferenceEquals(id, x), Is.False);
        Assert.That(id.equal(x), Is.True);

        var leaky = x.clone();
        new LeakyReLU(0.2, inplace: true).call(leaky);
        Assert.That(leaky.equal(F.leaky_relu(x, 0.2)), Is.True);

        var inplace = x.clone();
        var relu = new ReLU(inplace: true).call(inplace);
        Assert.That(inplace.min().item<float>(), Is.GreaterThanOrEqualTo(0));
        Assert.That(relu.equal(x.relu()), Is.True);
    }

    [Test]
    public void DropoutOnlyInTraining()
    {
        using var scope = torch.NewDisposeScope();
        using var drop = new Dropout(0.5);
        var x = torch.ones(1000);
        var y = drop.call(x);
        var zeros = y.eq(0).sum().item<long>();
        Assert.That(zeros, Is.InRange(350, 650));
        Assert.That(y.max().item<float>(), Is.EqualTo(2f));
        drop.eval();
        Assert.That(drop.call(x).equal(x), Is.True);
    }

    [Test]
    public void SequentialChainsAndDisposesIntermediates()
    {
        using var seq = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2));
        Assert.That(seq.Count, Is.EqualTo(3));
        using (var sd = seq.state_dict()) Assert.That(sd.Keys, Is.EqualTo(new[] { "0.weight", "0.bias", "2.weight", "2.bias" }));
        using var x = torch.randn(5, 3);
        var live = Tensor.LiveCount;
        using (var y = seq.call(x))
        {
            Assert.That(Tensor.LiveCount, Is.EqualTo(live + 1), "only the output stays alive");
            using var h = ((Linear)seq[0]).call(x);
            using var r = h.relu();
            using var expected = ((Linear)seq[2]).call(r);
            Assert.That(y.equal(expected), Is.True);
        }
        using var empty = new Sequential();
        using var same = empty.call(x);
        Assert.That(ReferenceEquals(same, x), Is.False);
    }
}
