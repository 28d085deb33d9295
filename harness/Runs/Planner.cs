using AnomalyBench.Datasets;
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

    /// <summary>
    /// The plan of an experiment file without generating or loading anything: real data sets are listed from their
    /// folders (an unknown category is an error naming the ones there are), generated sets by their configured names.
    /// </summary>
    public static IReadOnlyList<TrainingJob> PlanWithoutGenerating(ExperimentConfig config, string configFile)
    {
        var categories = new Dictionary<string, IReadOnlyList<string>>();
        foreach (var d in config.Datasets)
        {
            if (d.Kind == "synthetic")
            {
                categories[d.DisplayName] = d.Categories is ["all"] ? (d.Synthetic?.SelectedCategories ?? SyntheticDataset.CategoryNames) : d.Categories;
                continue;
            }
            if (d.Root is null) throw new ArgumentException($"data set '{d.DisplayName}' needs a root: the folder that holds its categories");
            var reader = DatasetReaders.Open(d.Kind, ConfigPaths.Resolve(configFile, d.Root));
            var available = reader.Categories;
            var missing = d.Categories is ["all"] ? [] : d.Categories.Where(c => !available.Contains(c)).ToList();
            if (missing.Count > 0)
                throw new ArgumentException($"data set '{d.DisplayName}' ({reader.Root}) has no category {string.Join(", ", missing.Select(m => $"'{m}'"))}; it has: {string.Join(", ", available)}");
            categories[d.DisplayName] = d.Categories is ["all"] ? available : d.Categories;
        }
        return Plan(config, d => categories[d.DisplayName]);
    }
}
