using System.Collections;
using AnomalyBench.Torch;

namespace AnomalyBench.Datasets;

/// <summary>
/// Batches a list of samples through the <see cref="ImagePipeline"/> onto a device. Each
/// enumeration is one epoch: <c>foreach (var batch in loader) { ... }</c>.
/// <list type="bullet">
/// <item>Decoding runs on <see cref="LoaderOptions.Workers"/> threads, at most
/// <see cref="LoaderOptions.PrefetchBatches"/> batches ahead of the consumer (a bounded queue).</item>
/// <item>The order is the list's, or with <see cref="LoaderOptions.Shuffle"/> a permutation per epoch
/// drawn from a <see cref="PythonRandom"/> seeded once with <see cref="LoaderOptions.Seed"/>:
/// the same for every thread count.</item>
/// <item>With <see cref="LoaderOptions.Cache"/>, decoded samples (uint8, resized and cropped) stay in
/// memory: the first epoch decodes all of them before its first batch, and every epoch only stacks, copies
/// and normalises.</item>
/// <item>Each <see cref="Batch"/> is disposed when the consumer asks for the next one (or leaves the
/// loop); the loader's own tensors and the cache go with <see cref="Dispose"/>. Nothing accumulates
/// over epochs, so native memory stays flat in a long training loop.</item>
/// </list>
/// </summary>
public sealed class DataLoader : IEnumerable<Batch>, IDisposable
{
    private readonly IReadOnlyList<Sample> _samples;
    private readonly Device _device;
    private readonly PythonRandom _random;
    private readonly PreparedSample?[]? _cache;
    private Tensor? _mean;
    private Tensor? _std;
    private bool _running;
    private bool _disposed;

    public DataLoader(IReadOnlyList<Sample> samples, Preprocessing preprocessing, Device device, LoaderOptions? options = null)
    {
        Options = (options ?? new LoaderOptions()).Validate();
        Pipeline = new ImagePipeline(preprocessing);
        _samples = samples.ToArray();
        _device = device;
        _random = new PythonRandom(Options.Seed);
        _cache = Options.Cache ? new PreparedSample?[_samples.Count] : null;
    }

    public LoaderOptions Options { get; }

    public ImagePipeline Pipeline { get; }

    public IReadOnlyList<Sample> Samples => _samples;

    /// <summary>Batches per epoch.</summary>
    public int BatchCount => Options.DropLast ? _samples.Count / Options.BatchSize : (_samples.Count + Options.BatchSize - 1) / Options.BatchSize;

    /// <summary>Epochs started so far.</summary>
    public int Epochs { get; private set; }

    /// <summary>Samples held decoded in memory.</summary>
    public int CachedCount => _cache?.Count(c => c is not null) ?? 0;

    public IEnumerator<Batch> GetEnumerator() => RunEpoch().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private IEnumerable<Batch> RunEpoch()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_running) throw new InvalidOperationException("a DataLoader runs one epoch at a time: finish or dispose the previous enumeration first");
        _running = true;
        try
        {
            foreach (var batch in Batches())
            {
                try
                {
                    yield return batch;
                }
                finally
                {
                    batch.Dispose();
                }
            }
        }
        finally
        {
            _running = false;
        }
    }

    private IEnumerable<Batch> Batches()
    {
        Epochs++;
        var order = Enumerable.Range(0, _samples.Count).ToArray();
        if (Options.Shuffle) _random.Shuffle(order);
        var used = BatchCount * Options.BatchSize >= order.Length ? order : order[..(BatchCount * Options.BatchSize)];
        if (_cache is not null)
        {
            FillCache(used);
            for (var start = 0; start < used.Length; start += Options.BatchSize)
                yield return Build(used[start..Math.Min(start + Options.BatchSize, used.Length)].Select(i => _cache[i]!).ToList());
            yield break;
        }

        using var queue = new PrefetchQueue(Load, used, Options.WorkerCount, Options.PrefetchBatches * Options.BatchSize, ownsResults: true, Options.WorkerThreads);
        for (var start = 0; start < used.Length; start += Options.BatchSize)
        {
            var end = Math.Min(start + Options.BatchSize, used.Length);
            var items = new List<PreparedSample>(end - start);
            try
            {
                for (var k = start; k < end; k++) items.Add(queue.Take());
                yield return Build(items);
            }
            finally
            {
                foreach (var item in items) item.Dispose();
            }
        }
    }

    /// <summary>
    /// Decodes every sample of the epoch that the cache lacks, before the epoch's first batch, on all the workers. The
    /// cache will hold them all anyway; decoding them beside the first epoch's training steps only took the cores from
    /// those steps (CFA's steps 3–4 of the quickstart at 2.25 × their run's median, benchmarks/README.md).
    /// </summary>
    private void FillCache(int[] used)
    {
        var missing = used.Where(i => _cache![i] is null).ToArray();
        if (missing.Length == 0) return;
        using var queue = new PrefetchQueue(Load, missing, Options.WorkerCount, Options.PrefetchBatches * Options.BatchSize, ownsResults: false, Options.WorkerThreads);
        for (var k = 0; k < missing.Length; k++) queue.Take();
    }

    private PreparedSample Load(int index)
    {
        var prepared = Pipeline.Prepare(_samples[index]);
        if (_cache is not null) _cache[index] = prepared;
        return prepared;
    }

    private Batch Build(List<PreparedSample> items)
    {
        if (_mean is null && Pipeline.Preprocessing.Normalization == Normalization.ImageNet)
        {
            _mean = ImageNet.MeanTensor(_device).DetachFromDisposeScope();
            _std = ImageNet.StdTensor(_device).DetachFromDisposeScope();
        }
        using var images = torch.stack(items.Select(p => p.Image).ToArray());
        using var masks = torch.stack(items.Select(p => p.Mask).ToArray());
        var labels = items.Select(p => (long)p.Sample.Label).ToArray();
        var input = Pipeline.ToInput(images, _device, _mean, _std);
        Tensor? deviceMasks = null;
        try
        {
            deviceMasks = masks.to(_device);
            return new Batch(input, deviceMasks, torch.from_array(labels, device: _device),
                items.Select(p => p.Sample).ToArray(), items.Select(p => (p.OriginalHeight, p.OriginalWidth)).ToArray());
        }
        catch
        {
            input.Dispose();
            deviceMasks?.Dispose();
            throw;
        }
    }

    /// <summary>Frees the cache and the normalisation constants.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _mean?.Dispose();
        _std?.Dispose();
        if (_cache is not null)
        {
            for (var i = 0; i < _cache.Length; i++)
            {
                _cache[i]?.Dispose();
                _cache[i] = null;
            }
        }
    }
}
