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
        // map[c, y, x] = 100c + 10y + x + 1 on a 2×4×4 grid: every value names its position and none is 0, so a 0 in
        // the output can only be padding. torch.nn.Unfold(3, stride 1, padding 1), which the official PatchMaker
        // uses, puts at entry c·9 + dy·3 + dx of position (y, x) the value map[c, y + dy − 1, x + dx − 1], or 0 where
        // that falls outside the grid (channel-major: all of channel 0's 3×3 window before channel 1's).
        var values = new double[2 * 4 * 4];
        for (var c = 0; c < 2; c++)
            for (var y = 0; y < 4; y++)
                for (var x = 0; x < 4; x++)
                    values[(c * 4 + y) * 4 + x] = 100 * c + 10 * y + x + 1;
        using var input = torch.from_array(values, [1, 2, 4, 4]).to(ScalarType.Float32);
        using var onDevice = input.to(device);
        using var patches = new PatchMaker(3).Patchify(onDevice);
        var expected = new double[18 * 16];
        for (var c = 0; c < 2; c++)
            for (var dy = 0; dy < 3; dy++)
                for (var dx = 0; dx < 3; dx++)
                    for (var y = 0; y < 4; y++)
                        for (var x = 0; x < 4; x++)
                        {
                            int sy = y + dy - 1, sx = x + dx - 1;
                            var inside = sy >= 0 && sy < 4 && sx >= 0 && sx < 4;
                            expected[((c * 9 + dy * 3 + dx) * 4 + y) * 4 + x] = inside ? 100 * c + 10 * sy + sx + 1 : 0;
                        }
        TensorAssert.Close(patches, expected, [1, 18, 4, 4]);
        // Spot checks of the code under test, written out: channel 1, window row 2, column 0 at (1, 1) is map[1, 2, 0] = 121;
        // the top-left window entry at (0, 0) is padding; the centre entry of channel 0 at (3, 3) is map[0, 3, 3] = 34.
        var output = TensorAssert.Values(patches);
        Assert.That(output[((9 + 2 * 3 + 0) * 4 + 1) * 4 + 1], Is.EqualTo(121));
        Assert.That(output[0], Is.EqualTo(0), "zero padding");
        Assert.That(output[((0 * 9 + 4) * 4 + 3) * 4 + 3], Is.EqualTo(34));
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

    /// <summary>
    /// The grid form of MeanMapper against MeanMapper on the rows, for the shapes the backbones give (WRN-50: 4608 and
    /// 9216 → 1024; ResNet-18: 1152 and 2304 → 1024), bins that straddle channels (18 → 8, 36 → 8) and pooling up
    /// (9 → 12): on the CPU bit for bit, elsewhere within rounding.
    /// </summary>
    [TestCase(4608, 1024, 2, 4, 4)]
    [TestCase(9216, 1024, 2, 4, 4)]
    [TestCase(1152, 1024, 1, 8, 8)]
    [TestCase(2304, 1024, 3, 4, 4)]
    [TestCase(18, 8, 2, 4, 4)]
    [TestCase(36, 8, 2, 4, 4)]
    [TestCase(9, 12, 1, 3, 3)]
    public void MeanMapGridGivesMeanMappersRows(int length, int dimension, int batch, int height, int width)
    {
        torch.manual_seed((ulong)length);
        using var grid = torch.randn([batch, length, height, width], device: device);
        using var rows = PatchMaker.ToRows(grid);
        using var expected = PatchEmbedding.MeanMapper(rows, dimension);
        using var perImage = PatchEmbedding.MeanMapGrid(grid, dimension);
        Assert.That(perImage.shape, Is.EqualTo(new long[] { batch, height * width, dimension }));
        using var actual = perImage.reshape(batch * height * width, dimension);
        if (device.Type == DeviceType.CPU)
            Assert.That(TensorAssert.Values(actual), Is.EqualTo(TensorAssert.Values(expected)), "bit for bit");
        else
            Assert.That(TensorAssert.Values(actual), Is.EqualTo(TensorAssert.Values(expected)).Within(1e-5));
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
}
