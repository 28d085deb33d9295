using AnomalyBench.Methods.PatchCore;
using AnomalyBench.Tests.Torch;
using AnomalyBench.Torch;
using NUnit.Framework;
using static AnomalyBench.Tests.Methods.PatchCore.PatchCoreReference;

namespace AnomalyBench.Tests.Methods.PatchCore;

/// <summary>PatchCore's patch vectors against the official steps computed by hand (PatchCoreReference).</summary>
[TestFixtureSource(typeof(Devices), nameof(Devices.All))]
public class PatchEmbeddingTests(Device device)
{
    [Test]
    public void UnfoldIsChannelMajorWithZeroPadding()
    {
        var map = RandomMap(new Random(1), 1, 2, 4, 4);
        using var input = ToTensor(map);
        using var onDevice = input.to(device);
        using var patches = new PatchMaker(3).Patchify(onDevice);
        var expected = Unfold(map, 3);
        TensorAssert.Close(patches, Flat(expected), [1, 18, 4, 4]);
        // Spot check of the layout: entry c·9 + dy·3 + dx at (y, x) is map[c, y+dy−1, x+dx−1].
        Assert.That(expected[0, 9 + 2 * 3 + 0, 1, 1], Is.EqualTo(map[0, 1, 2, 0]));
        Assert.That(expected[0, 0, 0, 0], Is.EqualTo(0), "zero padding");
    }

    [Test]
    public void TwoLayersAreUpsampledPooledAndAggregatedAsTheOfficialCode()
    {
        // Layer A: C=2 on a 4×4 grid (18-long patches); layer B: C=4 on 2×2 (36-long patches), upsampled to 4×4.
        // Pooling 18 → 8 and 36 → 8 makes bins of 2.25 and 4.5 elements that straddle channels; 16 → 6 aggregates.
        var random = new Random(7);
        var a = RandomMap(random, 2, 2, 4, 4);
        var b = RandomMap(random, 2, 4, 2, 2);
        var expected = Embed([a, b], p: 3, pretrain: 8, target: 6);

        using var ta = ToTensor(a);
        using var tb = ToTensor(b);
        using var da = ta.to(device);
        using var db = tb.to(device);
        using var embeddings = new PatchEmbedding(3, 8, 6).Embed([da, db]);
        Assert.That(embeddings.Height, Is.EqualTo(4));
        Assert.That(embeddings.Width, Is.EqualTo(4));
        TensorAssert.Close(embeddings.Vectors, expected.SelectMany(r => r).ToArray(), [2 * 16, 6], 1e-5);
    }

    [Test]
    public void PoolingUpToALongerVectorRepeatsElements()
    {
        // L = 9 (one channel) pooled to 12 and then 24 → 10: the official code does this with small backbones.
        var random = new Random(3);
        var a = RandomMap(random, 1, 1, 3, 3);
        var b = RandomMap(random, 1, 2, 2, 2);
        var expected = Embed([a, b], p: 3, pretrain: 12, target: 10);
        using var ta = ToTensor(a);
        using var tb = ToTensor(b);
        using var da = ta.to(device);
        using var db = tb.to(device);
        using var embeddings = new PatchEmbedding(3, 12, 10).Embed([da, db]);
        TensorAssert.Close(embeddings.Vectors, expected.SelectMany(r => r).ToArray(), [9, 10], 1e-5);
    }

    [Test]
    public void WideResNetShapesGiveTheOfficialLayout()
    {
        // The paper's shapes at 224 px: layer2 [B,512,28,28], layer3 [B,1024,14,14] → [B·784, 1024].
        // Layer3's pooled vector (9216 → 1024) is each channel's 3×3 mean; the aggregation averages
        // adjacent pairs, so output 512 + j is the mean over channels 2j and 2j+1 of that 3×3 mean.
        torch.manual_seed(0);
        using var l2 = torch.randn([1, 512, 28, 28], device: device);
        using var l3 = torch.randn([1, 1024, 14, 14], device: device);
        using var embeddings = new PatchEmbedding(3, 1024, 1024).Embed([l2, l3]);
        Assert.That(embeddings.Vectors.shape, Is.EqualTo(new long[] { 784, 1024 }));

        using var patches = new PatchMaker(3).Patchify(l3);                            // [1, 9216, 14, 14]
        using var up = PatchMaker.ResampleToGrid(patches, 28, 28);                       // [1, 9216, 28, 28]
        using var perChannel = up.view(1, 1024, 9, 28, 28).mean([2]);                   // 3×3 means
        using var pairs = perChannel.view(1, 512, 2, 28, 28).mean([2]);                 // [1, 512, 28, 28]
        using var rows = PatchMaker.ToRows(pairs);                                       // [784, 512]
        using var second = embeddings.Vectors.narrow(1, 512, 512);
        Assert.That(TensorAssert.Values(second), Is.EqualTo(TensorAssert.Values(rows)).Within(1e-4));
    }

    [Test]
    public void EmbeddingLeavesNoTensorBehind()
    {
        using var l2 = torch.randn([2, 8, 6, 6], device: device);
        using var l3 = torch.randn([2, 16, 3, 3], device: device);
        var embedding = new PatchEmbedding(3, 32, 16);
        using (embedding.Embed([l2, l3]))
        {
        }
        var live = LiveTensors();
        for (var k = 0; k < 3; k++)
        {
            using var e = embedding.Embed([l2, l3]);
        }
        Assert.That(LiveTensors(), Is.EqualTo(live));
    }

    private static double[] Flat(double[,,,] map)
    {
        var result = new double[map.Length];
        var k = 0;
        foreach (var v in map) result[k++] = v;
        return result;
    }
}
