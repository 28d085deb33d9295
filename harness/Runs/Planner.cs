using AnomalyBench.Harness.Config;

namespace AnomalyBench.Harness.Runs;

/// <summary>The sweep's plan: methods × data sets × categories × seeds, in a fixed order (data set, category, method, seed).</summary>
public static class Planner
{
    /// <param name="categoriesOf">The categories a data-set entry names, with <c>all</c> resolved by its reader.</param>
    public static IReadOnlyList<TrainingJob> Plan(ExperimentConfig config, Func<DatasetConfig, IReadOnlyList<string>> categoriesOf)
    {
        var jobs = new List<TrainingJob>();
        foreach (var dataset in config.Datasets)
        {
            var categories = categoriesOf(dataset);
            if (config.Setting == Setting.Unified)
            {
                foreach (var method in config.Methods)
                    foreach (var seed in config.Seeds)
                        jobs.Add(new TrainingJob(dataset, method, seed, categories, Setting.Unified));
                continue;
            }
            foreach (var category in categories)
                foreach (var method in config.Methods)
                    foreach (var seed in config.Seeds)
                        jobs.Add(new TrainingJob(dataset, method, seed, [category], Setting.PerCategory));
        }
        return jobs;
    }
}
