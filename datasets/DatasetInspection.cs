namespace AnomalyBench.Datasets;

/// <summary>What <see cref="IDatasetReader.Inspect"/> found: every readable category and every problem, errors included.</summary>
public sealed record DatasetInspection(string Kind, string Root, IReadOnlyList<DatasetCategory> Categories, IReadOnlyList<LayoutIssue> Issues)
{
    public bool HasErrors => Issues.Any(i => i.IsError);

    public int TrainCount => Categories.Sum(c => c.Train.Count);

    public int TestCount => Categories.Sum(c => c.Test.Count);
}
