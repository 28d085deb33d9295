using System.Numerics;
using AnomalyBench.Datasets;
using NUnit.Framework;

namespace AnomalyBench.Tests.Datasets;

/// <summary>Expected values printed by CPython 3.11 (random.py and _randommodule.c unchanged in this respect since 3.2).</summary>
public class PythonRandomTests
{
    [Test]
    public void RandomMatchesCPython()
    {
        var one = new PythonRandom(1);
        Assert.That(one.Random(), Is.EqualTo(0.13436424411240122));
        Assert.That(one.Random(), Is.EqualTo(0.8474337369372327));
        Assert.That(new PythonRandom(0).Random(), Is.EqualTo(0.8444218515250481));
        Assert.That(new PythonRandom(-5).Random(), Is.EqualTo(0.6229016948897019), "seed(-5) is seed(5)");
        Assert.That(new PythonRandom(BigInteger.Pow(2, 40) + 3).Random(), Is.EqualTo(0.21978710637116716), "a two-word seed");
    }

    [Test]
    public void GetRandBitsAndRandBelowMatchCPython()
    {
        var r = new PythonRandom(12345);
        Assert.That(r.GetRandBits(32), Is.EqualTo(1789368711UL));
        Assert.That(r.GetRandBits(7), Is.EqualTo(93UL));
        Assert.That(r.GetRandBits(64), Is.EqualTo(15129553140981592645UL));
        var one = new PythonRandom(1);
        Assert.That(Enumerable.Range(0, 5).Select(_ => one.RandBelow(1000)), Is.EqualTo(new long[] { 137, 582, 867, 821, 782 }), "randrange(1000)");
    }

    [Test]
    public void ShuffleMatchesCPython()
    {
        var ten = Enumerable.Range(0, 10).ToList();
        new PythonRandom(1).Shuffle(ten);
        Assert.That(ten, Is.EqualTo(new[] { 6, 8, 9, 7, 5, 3, 0, 4, 1, 2 }));

        // The size of APTOS's normal list (1805 images with diagnosis 0).
        var aptos = Enumerable.Range(0, 1805).ToList();
        new PythonRandom(1).Shuffle(aptos);
        Assert.That(aptos.Take(10), Is.EqualTo(new[] { 1029, 116, 1628, 1606, 1362, 1154, 760, 239, 1182, 1781 }));
        Assert.That(aptos.TakeLast(5), Is.EqualTo(new[] { 1564, 1643, 1735, 1165, 275 }));
        Assert.That(aptos.Select((v, i) => (long)i * v).Sum(), Is.EqualTo(1449538509L));
    }
}
