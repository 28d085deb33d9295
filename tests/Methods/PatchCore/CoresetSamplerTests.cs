using AnomalyBench.Methods.PatchCore;
using AnomalyBench.Tests.Torch;
using AnomalyBench.Torch;
using NUnit.Framework;
using static AnomalyBench.Tests.Methods.PatchCore.PatchCoreReference;

namespace AnomalyBench.Tests.Methods.PatchCore;

/// <summary>The approximate greedy coreset (Algorithm 1, official ApproximateGreedyCoresetSampler).</summary>
[TestFixtureSource(typeof(Devices), nameof(Devices.All))]
public class CoresetSamplerTests(Device device)
{
    [Test]
    public void EachPickMaximisesTheMinimumDistanceToThePicksSoFar()
    {
        // 50 points, identity projection, given start points: brute force in double precision.
        var points = RandomRows(new Random(11), 50, 6);
        long[] starts = [3, 17, 29, 41];
        using var features = ToTensor(points, device);
        using var startTensor = torch.from_array(starts, device: device);
        using var picked = ApproximateGreedyCoresetSampler.ComputeGreedyCoresetIndices(features, startTensor, 20);
        using var cpu = picked.cpu();
        var indices = cpu.data<long>();
        Assert.That(indices, Has.Length.EqualTo(20));
        Assert.That(indices.Distinct().Count(), Is.EqualTo(20), "no point is picked twice");

        // The running minimum starts as the mean Euclidean distance to the start points (which are not added).
        var minimum = points.Select(p => starts.Average(s => Math.Sqrt(SquaredDistance(p, points[s])))).ToArray();
        foreach (var index in indices)
        {
            var best = minimum.Max();
            Assert.That(minimum[index], Is.EqualTo(best).Within(1e-5), $"pick {index} maximises the minimum distance");
            for (var i = 0; i < points.Length; i++)
                minimum[i] = Math.Min(minimum[i], Math.Sqrt(SquaredDistance(points[i], points[index])));
        }
    }

    [Test]
    public void StartsAndProjectionComeFromTheCpuGeneratorSoEveryDeviceAgrees()
    {
        var sampler = new ApproximateGreedyCoresetSampler(0.2, numberOfStartingPoints: 5, dimensionToProjectFeaturesTo: 4);
        torch.manual_seed(5);
        using var starts = sampler.DrawStartPoints(40, device);
        torch.manual_seed(5);
        using var permutation = torch.randperm(40);
        using var first = permutation.narrow(0, 0, 5);
        Assert.That(TensorAssert.Values(starts), Is.EqualTo(TensorAssert.Values(first)));

        var points = RandomRows(new Random(2), 40, 12);
        using var onDevice = ToTensor(points, device);
        using var onCpu = ToTensor(points);
        torch.manual_seed(9);
        using var fromDevice = sampler.SampleIndices(onDevice);
        torch.manual_seed(9);
        using var fromCpu = sampler.SampleIndices(onCpu);
        Assert.That(fromDevice.shape, Is.EqualTo(new long[] { 8 }), "⌊0.2·40⌋ picks");
        Assert.That(TensorAssert.Values(fromDevice), Is.EqualTo(TensorAssert.Values(fromCpu)));
    }

    [Test]
    public void ProjectionIsABiasFreeDefaultLinearAndIsSkippedAtItsOwnDimension()
    {
        var sampler = new ApproximateGreedyCoresetSampler(0.5, dimensionToProjectFeaturesTo: 3);
        using var features = torch.randn([10, 3], device: device);
        using var same = sampler.ReduceFeatures(features);
        Assert.That(same.equal(features), Is.True, "D == projection dimension: features as they are");

        using var wide = torch.randn([10, 16], device: device);
        torch.manual_seed(4);
        using var reduced = sampler.ReduceFeatures(wide);
        torch.manual_seed(4);
        using var linear = new AnomalyBench.Torch.Modules.Linear(16, 3, bias: false);
        using var weight = linear.weight.to(device);
        using var expected = wide.matmul(weight.t());
        Assert.That(TensorAssert.Values(reduced), Is.EqualTo(TensorAssert.Values(expected)).Within(1e-5));
    }

    [Test]
    public void RatioOneKeepsEverythingAndSmallBanksKeepAtLeastOneRow()
    {
        using var features = torch.randn([7, 4], device: device);
        using var all = new ApproximateGreedyCoresetSampler(1).SampleIndices(features);
        Assert.That(TensorAssert.Values(all), Is.EqualTo(Enumerable.Range(0, 7).Select(i => (double)i)));
        Assert.That(new ApproximateGreedyCoresetSampler(0.1).CoresetSize(7), Is.EqualTo(1));
        Assert.That(new ApproximateGreedyCoresetSampler(0.1).CoresetSize(784 * 2), Is.EqualTo(156), "int(N · ratio)");
        using var one = new ApproximateGreedyCoresetSampler(0.1).SampleIndices(features);
        Assert.That(one.shape, Is.EqualTo(new long[] { 1 }));
    }

    [Test]
    public void SamplingLeavesNoTensorBehind()
    {
        using var features = torch.randn([64, 20], device: device);
        var sampler = new ApproximateGreedyCoresetSampler(0.25, 4, 8);
        using (sampler.SampleIndices(features))
        {
        }
        var live = LiveTensors();
        using (sampler.SampleIndices(features))
        {
        }
        Assert.That(LiveTensors(), Is.EqualTo(live));
    }
}
