using AnomalyBench.Torch;
using NUnit.Framework;
using F = AnomalyBench.Torch.torch.nn.functional;

namespace AnomalyBench.Tests.Torch;

/// <summary>Op results against values worked out by hand (or PyTorch's documented outputs).</summary>
[TestFixtureSource(typeof(Devices), nameof(Devices.All))]
public class OpTests(Device device)
{
    private DisposeScope _scope = null!;

    [SetUp]
    public void OpenScope() => _scope = torch.NewDisposeScope();

    [TearDown]
    public void CloseScope() => _scope.Dispose();

    private Tensor T(float[] values, params long[] shape) => torch.from_array(values, shape.Length == 0 ? [values.Length] : shape, device);

    [Test]
    public void ArithmeticBroadcastsLikePyTorch()
    {
        var a = T([1, 2, 3, 4, 5, 6], 2, 3);
        var b = T([10, 20, 30], 3);
        TensorAssert.Close(a + b, [11, 22, 33, 14, 25, 36], [2, 3]);
        TensorAssert.Close(a * 2 - 1, [1, 3, 5, 7, 9, 11], [2, 3]);
        TensorAssert.Close(1 - a, [0, -1, -2, -3, -4, -5], [2, 3]);
        TensorAssert.Close(a / b, [0.1, 0.1, 0.1, 0.4, 0.25, 0.2], [2, 3]);
        TensorAssert.Close(a.add(b, alpha: 2), [21, 42, 63, 24, 45, 66], [2, 3]);
        TensorAssert.Close(a.pow(2).sqrt(), [1, 2, 3, 4, 5, 6], [2, 3]);
        TensorAssert.Close(a.clamp(2, 4), [2, 2, 3, 4, 4, 4], [2, 3]);
        TensorAssert.Close(a.log().exp(), [1, 2, 3, 4, 5, 6], [2, 3], 1e-4);
    }

    [Test]
    public void IntegerScalarsKeepIntegerTensorsInteger()
    {
        var i = torch.arange(5, device: device);
        Assert.That((i + 1).dtype, Is.EqualTo(ScalarType.Int64));
        Assert.That((i * 0.5).dtype, Is.EqualTo(ScalarType.Float32));
        Assert.That(TensorAssert.Values(i * 2), Is.EqualTo(new double[] { 0, 2, 4, 6, 8 }));
    }

    [Test]
    public void InPlaceOpsReturnTheSameTensorAndChangeIt()
    {
        var a = T([1, 2, 3]);
        var b = T([1, 1, 1]);
        Assert.That(a.add_(b), Is.SameAs(a));
        a.mul_(2).sub_(1).addcmul_(b, b, 0.5).lerp_(T([0, 0, 0]), 0.5);
        // ((x + 1) * 2 - 1 + 0.5 * 1 * 1) halfway towards 0
        TensorAssert.Close(a, [1.75, 2.75, 3.75], [3]);
    }

    [Test]
    public void ReductionsMatchHandComputedValues()
    {
        var a = T([1, 2, 3, 4, 5, 6], 2, 3);
        Assert.That(a.sum().item<float>(), Is.EqualTo(21));
        TensorAssert.Close(a.sum(1), [6, 15], [2]);
        TensorAssert.Close(a.mean(0, keepdim: true), [2.5, 3.5, 4.5], [1, 3]);
        TensorAssert.Close(a.std([1]), [1, 1], [2]);
        TensorAssert.Close(a.var([1], unbiased: false), [2.0 / 3, 2.0 / 3], [2]);
        Assert.That(a.norm().item<float>(), Is.EqualTo(Math.Sqrt(91)).Within(1e-5));
        TensorAssert.Close(a.norm(1, 1), [6, 15], [2]);
        var (values, indices) = a.max(1);
        TensorAssert.Close(values, [3, 6], [2]);
        Assert.That(indices.data<long>(), Is.EqualTo(new long[] { 2, 2 }));
        Assert.That(a.argmin().item<long>(), Is.EqualTo(0));
        Assert.That(a.min().item<float>(), Is.EqualTo(1));
        TensorAssert.Close(a.amax([0]), [4, 5, 6], [3]);
    }

    [Test]
    public void TopkAndSortOrderValues()
    {
        var a = T([3, 1, 4, 1, 5, 9, 2, 6]);
        var (top, idx) = a.topk(3);
        TensorAssert.Close(top, [9, 6, 5], [3]);
        Assert.That(idx.data<long>(), Is.EqualTo(new long[] { 5, 7, 4 }));
        var (smallest, _) = a.topk(2, largest: false);
        TensorAssert.Close(smallest, [1, 1], [2]);
        var (sorted, order) = a.sort(descending: true);
        TensorAssert.Close(sorted, [9, 6, 5, 4, 3, 2, 1, 1], [8]);
        Assert.That(order.data<long>()[0], Is.EqualTo(5));
        Assert.That(a.argsort().data<long>()[^1], Is.EqualTo(5));
    }

    [Test]
    public void MatrixProducts()
    {
        var a = T([1, 2, 3, 4, 5, 6], 2, 3);
        var b = T([7, 8, 9, 10, 11, 12], 3, 2);
        TensorAssert.Close(a.mm(b), [58, 64, 139, 154], [2, 2]);
        TensorAssert.Close(a.matmul(b), [58, 64, 139, 154], [2, 2]);
        TensorAssert.Close(a.unsqueeze(0).bmm(b.unsqueeze(0)), [58, 64, 139, 154], [1, 2, 2]);
        TensorAssert.Close(torch.einsum("ij,jk->ik", a, b), [58, 64, 139, 154], [2, 2]);
        TensorAssert.Close(a.t(), [1, 4, 2, 5, 3, 6], [3, 2]);
    }

    [Test]
    public void DistancesAndSimilarities()
    {
        var x = T([0, 0, 3, 4], 1, 2, 2);
        var y = T([0, 0, 6, 8], 1, 2, 2);
        TensorAssert.Close(torch.cdist(x, y), [0, 10, 5, 5], [1, 2, 2]);
        var u = T([1, 0, 1, 1], 2, 2);
        var v = T([0, 1, 1, 1], 2, 2);
        TensorAssert.Close(F.cosine_similarity(u, v), [0, 1], [2]);
        TensorAssert.Close(F.normalize(T([3, 4], 1, 2)), [0.6, 0.8], [1, 2]);
        TensorAssert.Close(F.normalize(T([0, 0], 1, 2)), [0, 0], [1, 2]);
    }

    [Test]
    public void ConvolutionWithABoxFilterSumsNeighbourhoods()
    {
        var x = torch.arange(1, 10, dtype: ScalarType.Float32, device: device).view(1, 1, 3, 3);
        var w = torch.ones([1, 1, 3, 3], device: device);
        TensorAssert.Close(F.conv2d(x, w, padding: 1), [12, 21, 16, 27, 45, 33, 24, 39, 28], [1, 1, 3, 3]);
        var bias = T([1]);
        TensorAssert.Close(F.conv2d(x, w, bias), [46], [1, 1, 1, 1]);
        TensorAssert.Close(F.conv2d(x, w, stride: 2, padding: 1), [12, 16, 24, 28], [1, 1, 2, 2]);
    }

    [Test]
    public void TransposedConvolutionK2S2RepeatsEachPixel()
    {
        var x = T([1, 2, 3, 4], 1, 1, 2, 2);
        var w = torch.ones([1, 1, 2, 2], device: device);
        TensorAssert.Close(F.conv_transpose2d(x, w, stride: 2),
            [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4], [1, 1, 4, 4]);
    }

    [Test]
    public void BatchNormInEvalModeUsesRunningStatistics()
    {
        var x = T([1, 2, 3, 4], 1, 2, 1, 2);
        var mean = T([1, 2]);
        var variance = T([4, 1]);
        var weight = T([2, 1]);
        var bias = T([0, 10]);
        var y = F.batch_norm(x, mean, variance, weight, bias, training: false, eps: 0);
        TensorAssert.Close(y, [0, 1, 11, 12], [1, 2, 1, 2]);
    }

    [Test]
    public void BatchNormInTrainModeNormalisesAndUpdatesRunningStatistics()
    {
        var x = T([1, 3, 5, 7], 2, 1, 1, 2);
        var mean = T([0]);
        var variance = T([1]);
        var y = F.batch_norm(x, mean, variance, training: true, momentum: 0.1, eps: 0);
        var s = Math.Sqrt(5);
        TensorAssert.Close(y, [-3 / s, -1 / s, 1 / s, 3 / s], [2, 1, 1, 2]);
        TensorAssert.Close(mean, [0.4], [1]);
        TensorAssert.Close(variance, [0.9 + 0.1 * 20.0 / 3], [1]);
    }

    [Test]
    public void Activations()
    {
        var x = T([-2, 0, 2]);
        TensorAssert.Close(x.relu(), [0, 0, 2], [3]);
        TensorAssert.Close(F.leaky_relu(x, 0.1), [-0.2, 0, 2], [3]);
        TensorAssert.Close(x.sigmoid(), [1 / (1 + Math.Exp(2)), 0.5, 1 / (1 + Math.Exp(-2))], [3]);
        TensorAssert.Close(x.tanh(), [Math.Tanh(-2), 0, Math.Tanh(2)], [3]);
        TensorAssert.Close(F.gelu(T([1])), [0.8413447460685429], [1]);
        TensorAssert.Close(F.gelu(T([1]), "tanh"), [0.8411919906082768], [1]);
        TensorAssert.Close(F.softmax(T([0, (float)Math.Log(3)]), 0), [0.25, 0.75], [2]);
        TensorAssert.Close(F.log_softmax(T([0, 0]), 0), [-Math.Log(2), -Math.Log(2)], [2]);
    }

    [Test]
    public void Pooling()
    {
        var x = torch.arange(1, 17, dtype: ScalarType.Float32, device: device).view(1, 1, 4, 4);
        TensorAssert.Close(F.max_pool2d(x, 2), [6, 8, 14, 16], [1, 1, 2, 2]);
        TensorAssert.Close(F.avg_pool2d(x, 2), [3.5, 5.5, 11.5, 13.5], [1, 1, 2, 2]);
        TensorAssert.Close(F.adaptive_avg_pool2d(x, 1), [8.5], [1, 1, 1, 1]);
        // count_include_pad: the corner of a 3x3 window with padding 1 averages 4 pixels over 9.
        var corner = F.avg_pool2d(x, 3, stride: 1, padding: 1).select(2, 0).select(2, 0);
        TensorAssert.Close(corner, [(1 + 2 + 5 + 6) / 9.0], [1, 1]);
        TensorAssert.Close(F.adaptive_avg_pool1d(T([1, 2, 3, 4], 1, 1, 4), 2), [1.5, 3.5], [1, 1, 2]);
    }

    [Test]
    public void InterpolateMatchesPyTorch()
    {
        var x = T([1, 2, 3, 4], 1, 1, 2, 2);
        // torch.nn.functional.interpolate(x, size=4, mode="bilinear", align_corners=False)
        TensorAssert.Close(F.interpolate(x, [4, 4], mode: "bilinear"),
            [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4], [1, 1, 4, 4]);
        TensorAssert.Close(F.interpolate(x, [3, 3], mode: "bilinear", align_corners: true),
            [1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4], [1, 1, 3, 3]);
        TensorAssert.Close(F.interpolate(x, scale_factor: 2, mode: "nearest"),
            [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4], [1, 1, 4, 4]);
        var big = torch.arange(16, dtype: ScalarType.Float32, device: device).view(1, 1, 4, 4);
        // Anti-aliased 2x down-sampling averages 2x2 blocks (triangle filter of support 2).
        var aa = F.interpolate(big, [2, 2], mode: "bilinear", antialias: true);
        Assert.That(aa.shape, Is.EqualTo(new long[] { 1, 1, 2, 2 }));
        Assert.That(TensorAssert.Values(aa)[0], Is.GreaterThan(2.5).And.LessThan(4));
    }

    [Test]
    public void Padding()
    {
        var x = T([1, 2, 3, 4], 1, 1, 2, 2);
        TensorAssert.Close(F.pad(x, [1, 0, 0, 1], value: 9), [9, 1, 2, 9, 3, 4, 9, 9, 9], [1, 1, 3, 3]);
        TensorAssert.Close(F.pad(T([1, 2, 3], 1, 1, 1, 3), [1, 1, 0, 0], "reflect"), [2, 1, 2, 3, 2], [1, 1, 1, 5]);
        TensorAssert.Close(F.pad(T([1, 2, 3], 1, 1, 1, 3), [1, 1, 0, 0], "replicate"), [1, 1, 2, 3, 3], [1, 1, 1, 5]);
    }

    [Test]
    public void JoiningAndSplitting()
    {
        var a = T([1, 2], 1, 2);
        var b = T([3, 4], 1, 2);
        TensorAssert.Close(torch.cat([a, b]), [1, 2, 3, 4], [2, 2]);
        TensorAssert.Close(torch.cat([a, b], 1), [1, 2, 3, 4], [1, 4]);
        TensorAssert.Close(torch.stack([a, b], 2), [1, 3, 2, 4], [1, 2, 2]);
        var parts = torch.arange(10, device: device).split(4);
        Assert.That(parts.Select(p => p.size(0)), Is.EqualTo(new long[] { 4, 4, 2 }));
        var chunks = torch.arange(9, device: device).chunk(3);
        Assert.That(chunks[2].data<long>(), Is.EqualTo(new long[] { 6, 7, 8 }));
        var many = torch.arange(20, device: device).split(1);
        Assert.That(many, Has.Length.EqualTo(20), "more results than the inline buffer");
        Assert.That(many[19].item<long>(), Is.EqualTo(19));
        Assert.That(torch.arange(6, device: device).view(2, 3).unbind(1), Has.Length.EqualTo(3));
    }

    [Test]
    public void ViewsAndShapes()
    {
        var x = torch.arange(24, device: device).view(2, 3, 4);
        Assert.That(x.permute(2, 0, 1).shape, Is.EqualTo(new long[] { 4, 2, 3 }));
        Assert.That(x.transpose(0, 2).contiguous().view(-1).data<long>()[1], Is.EqualTo(12));
        Assert.That(x.flatten(1).shape, Is.EqualTo(new long[] { 2, 12 }));
        Assert.That(x.unsqueeze(1).shape, Is.EqualTo(new long[] { 2, 1, 3, 4 }));
        Assert.That(x.unsqueeze(1).squeeze(1).shape, Is.EqualTo(new long[] { 2, 3, 4 }));
        Assert.That(x.reshape(6, -1).shape, Is.EqualTo(new long[] { 6, 4 }));
        Assert.That(x.narrow(2, 1, 2).shape, Is.EqualTo(new long[] { 2, 3, 2 }));
        Assert.That(x.select(1, 2).data<long>()[0], Is.EqualTo(8));
        Assert.That(x.slice(2, 1, null, 2).data<long>(), Is.EqualTo(new long[] { 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23 }));
        Assert.That(x.expand(2, 2, 3, 4).shape, Is.EqualTo(new long[] { 2, 2, 3, 4 }));
        Assert.That(x.flip(2).data<long>()[0], Is.EqualTo(3));
        Assert.That(x.unflatten(2, 2, 2).shape, Is.EqualTo(new long[] { 2, 3, 2, 2 }));
    }

    [Test]
    public void Indexing()
    {
        var x = T([10, 20, 30, 40, 50, 60], 2, 3);
        var idx = torch.from_array(new long[] { 2, 0 }, device: device);
        TensorAssert.Close(x.index_select(1, idx), [30, 10, 60, 40], [2, 2]);
        var g = torch.from_array(new long[] { 0, 0, 1, 2 }, [2, 2], device);
        TensorAssert.Close(x.gather(1, g), [10, 10, 50, 60], [2, 2]);
        var mask = x > 35;
        TensorAssert.Close(x.masked_fill(mask, 0), [10, 20, 30, 0, 0, 0], [2, 3]);
        TensorAssert.Close(x.masked_select(mask), [40, 50, 60], [3]);
        TensorAssert.Close(torch.where(mask, x, 1.0), [1, 1, 1, 40, 50, 60], [2, 3]);
        TensorAssert.Close(torch.where(mask, x, x.neg()), [-10, -20, -30, 40, 50, 60], [2, 3]);
        var rows = torch.from_array(new long[] { 1, 0 }, device: device);
        TensorAssert.Close(x.index(rows), [40, 50, 60, 10, 20, 30], [2, 3]);
        TensorAssert.Close(x.index(null, idx), [30, 10, 60, 40], [2, 2]);
        x.index_put_([rows, idx], T([1, 2]));
        TensorAssert.Close(x, [2, 20, 30, 40, 50, 1], [2, 3]);
        TensorAssert.Close(F.one_hot(torch.from_array(new long[] { 0, 2 }, device: device), 3).@float(), [1, 0, 0, 0, 0, 1], [2, 3]);
        TensorAssert.Close(torch.zeros([3], device: device).scatter(0, torch.from_array(new long[] { 2 }, device: device), 5), [0, 0, 5], [3]);
    }

    [Test]
    public void Losses()
    {
        var a = T([1, 2, 3]);
        var b = T([1, 4, 0]);
        Assert.That(F.mse_loss(a, b).item<float>(), Is.EqualTo((0 + 4 + 9) / 3f).Within(1e-6));
        Assert.That(F.l1_loss(a, b).item<float>(), Is.EqualTo(5 / 3f).Within(1e-6));
        Assert.That(F.l1_loss(a, b, F.Reduction.Sum).item<float>(), Is.EqualTo(5));
        // smooth L1 (beta 1): 0, |2|-0.5, |3|-0.5
        Assert.That(F.smooth_l1_loss(a, b).item<float>(), Is.EqualTo((0 + 1.5f + 2.5f) / 3).Within(1e-6));
        TensorAssert.Close(F.mse_loss(a, b, F.Reduction.None), [0, 4, 9], [3]);
        var p = T([0.5f]);
        Assert.That(F.binary_cross_entropy(p, T([1])).item<float>(), Is.EqualTo(Math.Log(2)).Within(1e-6));
    }

    [Test]
    public void AffineGridWithIdentityThetaReproducesTheImage()
    {
        var image = torch.rand([2, 3, 5, 7], device: device);
        var theta = T([1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0], 2, 2, 3);
        var grid = F.affine_grid(theta, [2, 3, 5, 7]);
        Assert.That(grid.shape, Is.EqualTo(new long[] { 2, 5, 7, 2 }));
        var resampled = F.grid_sample(image, grid, padding_mode: "reflection");
        Assert.That(resampled.allclose(image, atol: 1e-5), Is.True);
        // A shift by one pixel width (2/W in normalised units) moves the content left by one pixel.
        var shift = T([1, 0, 2f / 7, 0, 1, 0], 1, 2, 3);
        var one = image.narrow(0, 0, 1);
        var moved = F.grid_sample(one, F.affine_grid(shift, [1, 3, 5, 7]));
        Assert.That(moved.narrow(3, 0, 6).allclose(one.narrow(3, 1, 6), atol: 1e-5), Is.True);
    }

    [Test]
    public void GridSampleReflectsAndMapsCornersAsPyTorchDefines()
    {
        // One row [0, 1, 2, 3] (W = 4) sampled at x = -1.5, -1, 0, 1.5 (y = 0).
        var row = T([0, 1, 2, 3], 1, 1, 1, 4);
        var grid = T([-1.5f, 0, -1, 0, 0, 0, 1.5f, 0], 1, 1, 4, 2);
        // align_corners=False: ix = ((x+1)·W − 1)/2 = −1.5, −0.5, 1.5, 4.5; reflection about −0.5 and W − 0.5 = 3.5
        // gives 0.5, −0.5 → clipped to 0, 1.5, 2.5.
        TensorAssert.Close(F.grid_sample(row, grid, padding_mode: "reflection"), [0.5, 0, 1.5, 2.5], [1, 1, 1, 4]);
        // align_corners=True: ix = (x+1)/2·(W − 1) = −0.75, 0, 1.5, 3.75; reflection about 0 and W − 1 = 3: 0.75, 0, 1.5, 2.25.
        TensorAssert.Close(F.grid_sample(row, grid, padding_mode: "reflection", align_corners: true), [0.75, 0, 1.5, 2.25], [1, 1, 1, 4]);
        // Zeros padding: ix = 3.25 (x = 0.875) mixes 0.75 of pixel 3 with 0.25 of an outside zero.
        var inside = T([0.875f, 0, -1, 0], 1, 1, 2, 2);
        TensorAssert.Close(F.grid_sample(row, inside), [2.25, 0], [1, 1, 1, 2]);
        // affine_grid with align_corners=False puts the output pixel centres at x = (2j + 1)/W − 1.
        var identity = T([1, 0, 0, 0, 1, 0], 1, 2, 3);
        TensorAssert.Close(F.affine_grid(identity, [1, 1, 1, 4]).select(3, 0), [-0.75, -0.25, 0.25, 0.75], [1, 1, 4]);
        TensorAssert.Close(F.affine_grid(identity, [1, 1, 1, 4], align_corners: true).select(3, 0), [-1, -1f / 3, 1f / 3, 1], [1, 1, 4], 1e-6);
    }

    [Test]
    public void InverseOfABatchOfMatrices()
    {
        var m = T([2, 1, 1, 1, 4, 0, 0, 0.5f], 2, 2, 2);
        TensorAssert.Close(m.inverse(), [1, -1, -1, 2, 0.25, 0, 0, 2], [2, 2, 2], 1e-6);
    }

    [Test]
    public void UnfoldAndFoldAreInverseForNonOverlappingBlocks()
    {
        var x = torch.arange(32, dtype: ScalarType.Float32, device: device).view(1, 2, 4, 4);
        var cols = F.unfold(x, 2, stride: 2);
        Assert.That(cols.shape, Is.EqualTo(new long[] { 1, 8, 4 }));
        TensorAssert.Close(cols.select(2, 0).squeeze(0), [0, 1, 4, 5, 16, 17, 20, 21], [8]);
        Assert.That(F.fold(cols, [4, 4], 2, stride: 2).equal(x), Is.True);
        // PatchCore's 3x3 neighbourhood: 9 values per channel, one column per pixel with padding 1.
        Assert.That(F.unfold(x, 3, padding: 1).shape, Is.EqualTo(new long[] { 1, 18, 16 }));
    }

    [Test]
    public void GaussianBlurMatchesScipyReflectMode()
    {
        var values = new float[3 * 20];
        var random = new Random(1);
        for (var k = 0; k < values.Length; k++) values[k] = (float)random.NextDouble();
        var x = T(values, 1, 1, 3, 20);
        var blurred = TensorAssert.Values(F.gaussian_blur(x, 2));
        var expected = ScipyGaussianFilter(values, 3, 20, 2, 4.0);
        Assert.That(blurred, Is.EqualTo(expected).Within(1e-5));
        var constant = torch.full([1, 2, 9, 9], 3.0, device: device);
        Assert.That(F.gaussian_blur(constant, 4).allclose(constant, atol: 1e-5), Is.True);
    }

    [Test]
    public void GaussianFilter1dSmoothsOnlyAlongItsDimensionAsScipyOnEachRow()
    {
        var values = new float[4 * 15];
        var random = new Random(2);
        for (var k = 0; k < values.Length; k++) values[k] = (float)random.NextDouble();
        var x = T(values, 1, 1, 4, 15);
        // scipy.ndimage.gaussian_filter of each 1-D row = the reference's first (row) pass alone, with the second pass over a
        // one-row image (which the reflect border leaves unchanged).
        var expectedRows = Enumerable.Range(0, 4).SelectMany(y => ScipyGaussianFilter(values.Skip(y * 15).Take(15).ToArray(), 1, 15, 3, 4.0)).ToArray();
        Assert.That(TensorAssert.Values(F.gaussian_filter1d(x, 3, dim: 3)), Is.EqualTo(expectedRows).Within(1e-5));
        // Along the columns: the same filter applied to the transposed image.
        var transposed = Enumerable.Range(0, 15 * 4).Select(i => values[(i % 4) * 15 + i / 4]).ToArray();
        var expectedColumns = Enumerable.Range(0, 15).SelectMany(c => ScipyGaussianFilter(transposed.Skip(c * 4).Take(4).ToArray(), 1, 4, 3, 4.0)).ToArray();
        var columns = TensorAssert.Values(F.gaussian_filter1d(x, 3, dim: 2));
        Assert.That(Enumerable.Range(0, 60).Select(i => columns[(i % 4) * 15 + i / 4]).ToArray(), Is.EqualTo(expectedColumns).Within(1e-5));
        // The 2-D blur is the two in turn, and differs from either alone on a random image.
        Assert.That(F.gaussian_blur(x, 3).allclose(F.gaussian_filter1d(F.gaussian_filter1d(x, 3, dim: 3), 3, dim: 2), atol: 1e-6), Is.True);
        Assert.That(F.gaussian_blur(x, 3).allclose(F.gaussian_filter1d(x, 3, dim: 3), atol: 1e-3), Is.False);
        Assert.That(() => F.gaussian_filter1d(x, 3, dim: 1), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("dim"));
    }

    [Test]
    public void GaussianBlurRepeatsTheEdgePixelAtTheBorderAsScipyDoes()
    {
        // sigma 0.5: radius int(4·0.5 + 0.5) = 2, weights exp(-2k²) for k = -2..2.
        var x = T([1, 2, 3, 4, 5, 6], 1, 1, 1, 6);
        var (e2, e8) = (Math.Exp(-2), Math.Exp(-8));
        var total = 1 + 2 * e2 + 2 * e8;
        // scipy "reflect" pads 1 2 3 ... as (2 1 | 1 2 3): at index 0 the neighbours are x[-1] = 1, x[-2] = 2.
        var first = (1 + e2 * (1 + 2) + e8 * (2 + 3)) / total;
        var second = (2 + e2 * (1 + 3) + e8 * (1 + 4)) / total;
        var blurred = TensorAssert.Values(F.gaussian_blur(x, 0.5));
        Assert.That(blurred[0], Is.EqualTo(first).Within(1e-6));
        Assert.That(blurred[1], Is.EqualTo(second).Within(1e-6));
        // libtorch's "reflect" (scipy's "mirror") would give x[-1] = 2: a different number.
        Assert.That(blurred[0], Is.Not.EqualTo((1 + e2 * (2 + 2) + e8 * (3 + 3)) / total).Within(1e-4));
    }

    [Test]
    public void MedianAlongADimensionTakesTheLowerMiddleValue()
    {
        var x = T([3, 1, 2, 9, 4, 8, 7, 6], 2, 4);
        var (values, indices) = x.median(1);
        // Rows {3,1,2,9} and {4,8,7,6}: sorted 1 2 3 9 and 4 6 7 8; torch.median takes the lower middle (2 and 6).
        TensorAssert.Close(values, [2, 6], [2]);
        Assert.That(indices.to(Device.CPU).data<long>(), Is.EqualTo(new long[] { 2, 3 }));
        Assert.That(x.median(0, keepdim: true).values.shape, Is.EqualTo(new long[] { 1, 4 }));
    }

    [Test]
    public void MedianBlurTakesTheMedianOfEachZeroPaddedWindow()
    {
        // A 3x3 image 1..9 with a spike of 100 in the centre. Interior window = all nine values {1,2,3,4,100,6,7,8,9}
        // → median 6. Corner (0,0): window {0,0,0, 0,1,2, 0,4,100} → sorted 0 0 0 0 0 1 2 4 100 → median 0.
        // Edge (0,1): {0,0,0, 1,2,3, 4,100,6} → 0 0 0 1 2 3 4 6 100 → 2. Edge (1,0): {0,1,2, 0,4,100, 0,7,8} → 0 0 0 1 2 4 7 8 100 → 2.
        var x = T([1, 2, 3, 4, 100, 6, 7, 8, 9], 1, 1, 3, 3);
        var blurred = TensorAssert.Values(F.median_blur(x, 3));
        Assert.That(blurred[4], Is.EqualTo(6), "centre: the spike is removed");
        Assert.That(blurred[0], Is.EqualTo(0), "corner: five zeros of the padding");
        Assert.That(blurred[1], Is.EqualTo(2));
        Assert.That(blurred[3], Is.EqualTo(2));
        // Channels are filtered independently; a constant interior stays constant.
        var two = torch.cat([torch.full([1, 1, 5, 5], 2.0, device: device), torch.full([1, 1, 5, 5], 5.0, device: device)], 1);
        var filtered = F.median_blur(two, 3);
        Assert.That(filtered.shape, Is.EqualTo(new long[] { 1, 2, 5, 5 }));
        TensorAssert.Close(filtered.narrow(2, 1, 3).narrow(3, 1, 3).reshape(2, 9).select(1, 4), [2, 5], [2]);
        Assert.That(() => F.median_blur(x, 2), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("odd"));
    }

    /// <summary>scipy.ndimage.gaussian_filter(mode="reflect"), written out directly as two 1-D correlations.</summary>
    private static double[] ScipyGaussianFilter(float[] image, int h, int w, double sigma, double truncate)
    {
        var r = (int)(truncate * sigma + 0.5);
        var kernel = Enumerable.Range(-r, 2 * r + 1).Select(k => Math.Exp(-0.5 * k * k / (sigma * sigma))).ToArray();
        var total = kernel.Sum();
        static int Reflect(int i, int n)
        {
            var period = 2 * n;
            i %= period;
            if (i < 0) i += period;
            return i < n ? i : period - 1 - i;
        }
        var rows = new double[h * w];
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
                for (var k = -r; k <= r; k++)
                    rows[y * w + x] += kernel[k + r] / total * image[y * w + Reflect(x + k, w)];
        var result = new double[h * w];
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
                for (var k = -r; k <= r; k++)
                    result[y * w + x] += kernel[k + r] / total * rows[Reflect(y + k, h) * w + x];
        return result;
    }

    [Test]
    public void FactoriesAndConversions()
    {
        Assert.That(torch.zeros([2, 3], device: device).sum().item<float>(), Is.EqualTo(0));
        Assert.That(torch.ones([2, 3], ScalarType.Float64, device).dtype, Is.EqualTo(ScalarType.Float64));
        Assert.That(torch.full([2], 7, device: device).data<float>(), Is.EqualTo(new float[] { 7, 7 }));
        Assert.That(torch.eye(3, device: device).sum().item<float>(), Is.EqualTo(3));
        Assert.That(TensorAssert.Values(torch.linspace(0, 1, 5, device: device)), Is.EqualTo(new double[] { 0, 0.25, 0.5, 0.75, 1 }));
        Assert.That(torch.arange(0.0, 1.0, 0.25, device: device).dtype, Is.EqualTo(ScalarType.Float32));
        Assert.That(torch.randperm(10, device).sort().values.data<long>(), Is.EqualTo(Enumerable.Range(0, 10).Select(i => (long)i)));
        var r = torch.randint(3, 5, [100], device: device);
        Assert.That(r.min().item<long>(), Is.GreaterThanOrEqualTo(3));
        Assert.That(r.max().item<long>(), Is.LessThan(5));
        Assert.That(torch.from_array(new byte[] { 1, 255 }, device: device).@float().data<float>(), Is.EqualTo(new float[] { 1, 255 }));
        Assert.That(torch.from_array(new bool[] { true, false }, device: device).dtype, Is.EqualTo(ScalarType.Bool));
        Assert.That(torch.tensor(2.5, device: device).item<double>(), Is.EqualTo(2.5));
        var h = T([1.5f, -2]).to(ScalarType.Float16);
        Assert.That(h.bytes(), Is.EqualTo(new byte[] { 0x00, 0x3E, 0x00, 0xC0 }), "IEEE half little-endian");
        Assert.That(h.to(ScalarType.BFloat16).bytes(), Is.EqualTo(new byte[] { 0xC0, 0x3F, 0x00, 0xC0 }));
        Assert.That(T([1]).device, Is.EqualTo(device.Type == DeviceType.CPU ? Device.CPU : Device.CUDA(device.Index)));
    }

    [Test]
    public void SeedingMakesRandomNumbersRepeatable()
    {
        torch.manual_seed(42);
        var a = TensorAssert.Values(torch.randn([5], device: device));
        torch.manual_seed(42);
        var b = TensorAssert.Values(torch.randn([5], device: device));
        Assert.That(a, Is.EqualTo(b));
        Assert.That(TensorAssert.Values(torch.randn([5], device: device)), Is.Not.EqualTo(b));
    }

    [Test]
    public void AutogradComputesGradients()
    {
        var x = T([1, 2, 3]).requires_grad_();
        var y = (x * x).sum();
        y.backward();
        var grad = x.grad!;
        TensorAssert.Close(grad, [2, 4, 6], [3]);
        x.grad = null;
        Assert.That(x.grad, Is.Null);
        using (torch.no_grad())
        {
            Assert.That(torch.is_grad_enabled(), Is.False);
            Assert.That((x * 2).requires_grad, Is.False);
        }
        Assert.That(torch.is_grad_enabled(), Is.True);
        var z = x * 2;
        z.backward(T([1, 1, 1]));
        TensorAssert.Close(x.grad!, [2, 2, 2], [3]);
        Assert.That(x.detach().requires_grad, Is.False);
    }
}
