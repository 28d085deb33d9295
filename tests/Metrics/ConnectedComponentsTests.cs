using AnomalyBench.Metrics;
using NUnit.Framework;

namespace AnomalyBench.Tests.Metrics;

public class ConnectedComponentsTests
{
    // Two 2x2 squares that touch only at a corner, plus a separate pixel.
    private static readonly byte[] s_cornerTouching =
    [
        1, 1, 0, 0, 1,
        1, 1, 0, 0, 0,
        0, 0, 1, 1, 0,
        0, 0, 1, 1, 0,
    ];

    [Test]
    public void RegionsTouchingAtACornerAreOneRegionUnderEightConnectivity()
    {
        var labels = new int[20];
        var count = ConnectedComponents.Label(s_cornerTouching, 4, 5, labels, Connectivity.Eight);
        Assert.That(count, Is.EqualTo(2));
        Assert.That(labels[0], Is.EqualTo(labels[12]));
        Assert.That(ConnectedComponents.Sizes(labels, count), Is.EqualTo(new[] { 8, 1 }), "labels follow raster order of first pixels: the joined squares first");
    }

    [Test]
    public void FourConnectivitySplitsThem()
    {
        var labels = new int[20];
        var count = ConnectedComponents.Label(s_cornerTouching, 4, 5, labels, Connectivity.Four);
        Assert.That(count, Is.EqualTo(3));
        Assert.That(labels, Is.EqualTo(new[]
        {
            1, 1, 0, 0, 2,
            1, 1, 0, 0, 0,
            0, 0, 3, 3, 0,
            0, 0, 3, 3, 0,
        }), "numbered in raster order of their first pixel, as scipy.ndimage.label");
    }

    [Test]
    public void AUShapeMergesLabelsMetLate()
    {
        // The two arms get different provisional labels and only meet on the bottom row;
        // the anti-diagonal arm needs the north-east neighbour.
        byte[] mask =
        [
            1, 0, 0, 0, 1, 0, 0, 0, 1,
            1, 0, 0, 0, 1, 0, 0, 1, 0,
            1, 0, 0, 0, 1, 0, 1, 0, 0,
            1, 1, 1, 1, 1, 1, 0, 0, 0,
        ];
        var labels = new int[mask.Length];
        Assert.That(ConnectedComponents.Label(mask, 4, 9, labels, Connectivity.Eight), Is.EqualTo(1));
        Assert.That(ConnectedComponents.Label(mask, 4, 9, labels, Connectivity.Four), Is.EqualTo(4));
    }

    [TestCase(1, true)]
    [TestCase(2, false)]
    [TestCase(3, true)]
    public void AgreesWithBreadthFirstLabelling(int seed, bool eight)
    {
        var rng = new Random(seed);
        int h = 37, w = 53;
        var mask = Enumerable.Range(0, h * w).Select(_ => (byte)(rng.NextDouble() < 0.45 ? 1 : 0)).ToArray();
        var labels = new int[h * w];
        var count = ConnectedComponents.Label(mask, h, w, labels, eight ? Connectivity.Eight : Connectivity.Four);
        var (expected, expectedCount) = ReferenceMetrics.LabelBfs(mask, h, w, eight);
        Assert.That(count, Is.EqualTo(expectedCount));
        Assert.That(labels, Is.EqualTo(expected));
    }

    [Test]
    public void CheckerboardGetsOneLabelPerPixelUnderFourConnectivity()
    {
        int h = 7, w = 7;
        var mask = Enumerable.Range(0, h * w).Select(i => (byte)((i / w + i % w) % 2 == 0 ? 1 : 0)).ToArray();
        var labels = new int[h * w];
        Assert.That(ConnectedComponents.Label(mask, h, w, labels, Connectivity.Four), Is.EqualTo(25));
        Assert.That(ConnectedComponents.Label(mask, h, w, labels, Connectivity.Eight), Is.EqualTo(1));
    }
}
