using System.Globalization;

namespace AnomalyBench.Harness.Runs;

/// <summary>
/// One of <see cref="Count"/> disjoint parts of a sweep's plan (<c>--shard i/n</c>, <c>i</c> from 0 to n − 1, as
/// Slurm's array task ids): job k of the plan belongs to shard k mod n. The plan's order is fixed by the experiment
/// file and the data sets' folders, so every machine that reads the same file and data computes the same parts;
/// dealing the jobs out round-robin interleaves methods and categories, so shards differ by at most one job and mix
/// cheap and expensive methods alike.
/// </summary>
public readonly record struct Shard(int Index, int Count)
{
    public static Shard All => new(0, 1);

    public bool Contains(int planPosition) => planPosition % Count == Index;

    public IReadOnlyList<T> Select<T>(IReadOnlyList<T> plan)
    {
        var (index, count) = (Index, Count);
        return plan.Where((_, k) => k % count == index).ToList();
    }

    /// <summary>Parses "i/n"; the message says what is wrong and what is allowed.</summary>
    public static Shard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            throw new ArgumentException($"--shard '{text}' must be i/n, e.g. 0/4 for the first of four shards");
        if (count < 1) throw new ArgumentException($"--shard {text}: n must be at least 1");
        if (index >= count) throw new ArgumentException($"--shard {text}: i counts from 0, so it must be between 0 and {count - 1}");
        return new Shard(index, count);
    }

    public override string ToString() => $"{Index}/{Count}";
}
