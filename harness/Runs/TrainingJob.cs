using AnomalyBench.Harness.Config;

namespace AnomalyBench.Harness.Runs;

/// <summary>
/// One model to fit: per category, the category's own training images and one run; unified,
/// the training images of every category and one run per category evaluated with the same model.
/// </summary>
public sealed record TrainingJob(DatasetConfig Dataset, MethodEntry Method, int Seed, IReadOnlyList<string> Categories, Setting Setting)
{
    public IEnumerable<RunKey> Runs => Categories.Select(c => new RunKey(Dataset.DisplayName, c, Method.Name, Seed));

    /// <summary>Where the fitted model is kept: the run folder per category, a shared folder for a unified model.</summary>
    public string ModelScope => Setting == Setting.Unified ? "_unified" : Categories[0];

    public override string ToString() => $"{Dataset.DisplayName}/{(Setting == Setting.Unified ? $"unified ({Categories.Count} categories)" : Categories[0])}/{Method.Name}/seed{Seed}";
}
