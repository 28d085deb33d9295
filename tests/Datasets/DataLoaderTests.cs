using AnomalyBench.Datasets;
using AnomalyBench.Tests.Torch;
using AnomalyBench.Torch;
using NUnit.Framework;

namespace AnomalyBench.Tests.Datasets;

[TestFixtureSource(typeof(Devices), nameof(Devices.All))]
public class DataLoaderTests(Device device)
{
    private TempTree _tree = null!;
    private List<Sample> _samples = null!;

    /// <summary>11 images of distinct grey levels (10·i), 12x12, every third one anomalous with a mask.</summary>
    [SetUp]
    public void Build()
    {
        _tree = new TempTree();
        _samples = [];
        for (var i = 0; i < 11; i++)
        {
            var image = _tree.Png($"img/{i:D2}.png", 12, 12, (byte)(10 * i));
            var anomalous = i % 3 == 2;
            var mask = anomalous ? _tree.Mask($"mask/{i:D2}.png", 12, 12, (0, 0, 6, 6)) : null;
            _samples.Add(new Sample(image, mask, anomalous ? Label.Anomalous : Label.Normal, anomalous ? "bad" : "good", "grey"));
        }
    }

    [TearDown]
    public void Remove() => _tree.Dispose();

    private static readonly Preprocessing s_plain = new(6, Normalization: Normalization.None);

    /// <summary>The grey level of each image in a batch, from its first pixel.</summary>
    private static List<int> Levels(Batch batch)
    {
        using var cpu = batch.Images.cpu();
        var values = cpu.data<float>();
        var per = values.Length / batch.Count;
        return Enumerable.Range(0, batch.Count).Select(b => (int)MathF.Round(values[b * per] * 255)).ToList();
    }

    [Test]
    public void BatchesHaveTheDocumentedShapesTypesAndDevice()
    {
        using var loader = new DataLoader(_samples, new Preprocessing(6), device, new LoaderOptions(BatchSize: 4));
        var batches = 0;
        foreach (var batch in loader)
        {
            var b = batch.Count;
            Assert.That(batch.Images.shape, Is.EqualTo(new long[] { b, 3, 6, 6 }));
            Assert.That(batch.Images.dtype, Is.EqualTo(ScalarType.Float32));
            Assert.That(batch.Images.device, Is.EqualTo(device));
            Assert.That(batch.Masks.shape, Is.EqualTo(new long[] { b, 1, 6, 6 }));
            Assert.That(batch.Masks.dtype, Is.EqualTo(ScalarType.Byte));
            Assert.That(batch.Labels.dtype, Is.EqualTo(ScalarType.Int64));
            using var labels = batch.Labels.cpu();
            Assert.That(labels.data<long>(), Is.EqualTo(batch.Samples.Select(s => (long)s.Label).ToArray()));
            Assert.That(batch.OriginalSizes.All(s => s == (12, 12)));
            batches++;
        }
        Assert.That(batches, Is.EqualTo(3));
        Assert.That(loader.BatchCount, Is.EqualTo(3));
    }

    [Test]
    public void TheOrderIsTheListsAndDropLastDropsTheShortBatch()
    {
        using var loader = new DataLoader(_samples, s_plain, device, new LoaderOptions(BatchSize: 4, DropLast: true, Workers: 3));
        var levels = loader.SelectMany(Levels).ToList();
        Assert.That(levels, Is.EqualTo(Enumerable.Range(0, 8).Select(i => 10 * i).ToList()));
    }

    [Test]
    public void ShuffledOrderDependsOnTheSeedOnlyNotOnThreads()
    {
        List<List<int>> Epochs(int workers, int seed)
        {
            using var loader = new DataLoader(_samples, s_plain, device, new LoaderOptions(BatchSize: 3, Shuffle: true, Seed: seed, Workers: workers, PrefetchBatches: 1));
            return Enumerable.Range(0, 3).Select(_ => loader.SelectMany(Levels).ToList()).ToList();
        }

        var single = Epochs(0, 7);
        var threaded = Epochs(4, 7);
        Assert.That(threaded, Is.EqualTo(single));
        Assert.That(single[0], Is.Not.EqualTo(single[1]), "a new permutation each epoch");
        Assert.That(single[0].Order(), Is.EqualTo(Enumerable.Range(0, 11).Select(i => 10 * i)));
        Assert.That(Epochs(0, 8)[0], Is.Not.EqualTo(single[0]));
        // Epoch 1 is Python's random.seed(7); random.shuffle(list(range(11))).
        var python = Enumerable.Range(0, 11).ToList();
        new PythonRandom(7).Shuffle(python);
        Assert.That(single[0], Is.EqualTo(python.Select(i => 10 * i).ToList()));
    }

    [Test]
    public void TheCacheServesLaterEpochsWithoutReadingFiles()
    {
        using var loader = new DataLoader(_samples, s_plain, device, new LoaderOptions(BatchSize: 5, Shuffle: true, Cache: true, Workers: 2));
        var first = loader.SelectMany(Levels).ToList();
        Assert.That(loader.CachedCount, Is.EqualTo(11));
        Directory.Delete(_tree.Path("img"), recursive: true);
        var second = loader.SelectMany(Levels).ToList();
        Assert.That(second.Order(), Is.EqualTo(first.Order()));
    }

    [Test]
    public void TheFirstEpochFillsTheCacheBeforeItsFirstBatch()
    {
        // Batches of 3 with 2 batches of prefetch: without the fill, at most 6 + 3 of the 11 would be decoded by now.
        using var loader = new DataLoader(_samples, s_plain, device, new LoaderOptions(BatchSize: 3, Shuffle: true, Cache: true, Workers: 2));
        using var epoch = loader.GetEnumerator();
        Assert.That(epoch.MoveNext(), Is.True);
        Assert.That(loader.CachedCount, Is.EqualTo(11));
        var first = new List<int>(Levels(epoch.Current));
        while (epoch.MoveNext()) first.AddRange(Levels(epoch.Current));
        Assert.That(first.Order(), Is.EqualTo(Enumerable.Range(0, 11).Select(i => 10 * i)), "every sample once");
    }

    [Test]
    public void ALongLoopOverTheCachedCategoryDoesNotGrowNativeMemory()
    {
        using var loader = new DataLoader(_samples, new Preprocessing(6), device, new LoaderOptions(BatchSize: 4, Shuffle: true, Cache: true));
        void Epoch()
        {
            foreach (var batch in loader)
            {
                using var scope = torch.NewDisposeScope();
                var loss = (batch.Images * 2).mean();
                Assert.That(loss.item<float>(), Is.Not.NaN);
            }
        }
        Epoch();
        var live = Tensor.LiveCount;
        for (var epoch = 0; epoch < 40; epoch++) Epoch();
        Assert.That(Tensor.LiveCount, Is.EqualTo(live));
        loader.Dispose();
        Assert.That(Tensor.LiveCount, Is.LessThan(live));
    }

    [Test]
    public void BatchesAreDisposedWhenTheConsumerMovesOnOrLeaves()
    {
        var before = Tensor.LiveCount;
        using (var loader = new DataLoader(_samples, s_plain, device, new LoaderOptions(BatchSize: 2, Workers: 2, PrefetchBatches: 3)))
        {
            Batch? previous = null;
            foreach (var batch in loader)
            {
                if (previous is not null) Assert.That(previous.IsDisposed, Is.True);
                previous = batch;
                if (batch.Samples[0] == _samples[4]) break;
            }
            Assert.That(previous!.IsDisposed, Is.True);
        }
        Assert.That(Tensor.LiveCount, Is.EqualTo(before), "prefetched samples are freed with the abandoned epoch");
    }

    [Test]
    public void ADecodingErrorSurfacesInOrderNamingTheFileAndLeaksNothing()
    {
        var corrupt = _tree.Bytes("img/05.png", [1, 2, 3, 4]);
        var before = Tensor.LiveCount;
        var seen = new List<int>();
        using (var loader = new DataLoader(_samples, s_plain, device, new LoaderOptions(BatchSize: 2, Workers: 3)))
        {
            var error = Assert.Throws<InvalidDataException>(() =>
            {
                foreach (var batch in loader) seen.AddRange(Levels(batch));
            })!;
            Assert.That(error.Message, Does.Contain(corrupt));
        }
        Assert.That(seen, Is.EqualTo(new[] { 0, 10, 20, 30 }), "the batches before the bad file arrive first");
        Assert.That(Tensor.LiveCount, Is.EqualTo(before));
    }

    [Test]
    public void OneEpochAtATime()
    {
        using var loader = new DataLoader(_samples, s_plain, device, new LoaderOptions(BatchSize: 4));
        using var first = loader.GetEnumerator();
        Assert.That(first.MoveNext(), Is.True);
        using var second = loader.GetEnumerator();
        Assert.Throws<InvalidOperationException>(() => second.MoveNext());
    }
}
