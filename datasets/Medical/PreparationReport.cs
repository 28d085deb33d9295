namespace AnomalyBench.Datasets;

/// <summary>What a preparation wrote: the output folder and the number of images per folder (e.g. "train/NORMAL").</summary>
public sealed record PreparationReport(string Dataset, string Output, IReadOnlyList<(string Folder, int Count)> Counts)
{
    public int Total => Counts.Sum(c => c.Count);
}
