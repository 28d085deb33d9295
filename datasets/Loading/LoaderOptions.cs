namespace AnomalyBench.Datasets;

/// <summary>
/// How a <see cref="DataLoader"/> batches a list of samples.
/// </summary>
/// <param name="BatchSize">Samples per batch.</param>
/// <param name="Shuffle">A new order every epoch, drawn from a generator seeded with <paramref name="Seed"/> (training); otherwise the list's order.</param>
/// <param name="Seed">Seeds the shuffling; the same seed gives the same order in every epoch, whatever the threading.</param>
/// <param name="DropLast">Drops a last, smaller batch (ReContrast trains with drop_last=True).</param>
/// <param name="Workers">Threads that decode ahead of the consumer; 0 decodes on the consumer's thread. Default: the machine's cores, at most 8.</param>
/// <param name="PrefetchBatches">How many batches the workers may decode ahead (the bound of the queue).</param>
/// <param name="Cache">Keeps every decoded, resized sample in memory (uint8) so later epochs skip decoding.</param>
public sealed record LoaderOptions(
    int BatchSize = 8,
    bool Shuffle = false,
    int Seed = 0,
    bool DropLast = false,
    int? Workers = null,
    int PrefetchBatches = 2,
    bool Cache = false)
{
    public int WorkerCount => Workers ?? Math.Clamp(Environment.ProcessorCount, 1, 8);

    public LoaderOptions Validate()
    {
        if (BatchSize < 1) throw new ArgumentException($"batch_size must be at least 1, got {BatchSize}");
        if (Workers is < 0) throw new ArgumentException($"workers must be 0 or more, got {Workers}");
        if (PrefetchBatches < 1) throw new ArgumentException($"prefetch_batches must be at least 1, got {PrefetchBatches}");
        return this;
    }
}
