using AnomalyBench.Harness.Runs;

namespace AnomalyBench.Harness.Reports;

/// <summary>
/// Every finished run of one experiment folder (<c>&lt;output&gt;/&lt;experiment&gt;</c>), read from the runs' files
/// alone, so that shards, resumed sweeps and <c>harness report</c> all see the same thing. Orders are stable:
/// data sets, categories and methods in the order of the sorted run folders.
/// </summary>
public sealed class ExperimentResults
{
    private ExperimentResults(ResultsLayout layout, IReadOnlyList<FinishedRun> runs)
    {
        Layout = layout;
        Runs = runs;
    }

    public ResultsLayout Layout { get; }

    public IReadOnlyList<FinishedRun> Runs { get; }

    /// <summary>The experiment's name as its runs record it (the folder's name when there are none).</summary>
    public string Experiment => Runs.Count > 0 ? Runs[0].Result.Experiment : Path.GetFileName(Layout.Root);

    /// <summary>Reads the finished runs under <paramref name="layout"/>; with <paramref name="experiment"/>, only that experiment's.</summary>
    public static ExperimentResults Load(ResultsLayout layout, string? experiment = null)
    {
        if (!Directory.Exists(layout.Root))
            throw new DirectoryNotFoundException($"{layout.Root}: no such experiment folder; give the folder a sweep wrote (<output>/<experiment>)");
        var runs = layout.FinishedMetricsFiles()
            .Select(path => new FinishedRun(RunResult.Read(path), Path.GetDirectoryName(path)!))
            .Where(r => experiment is null || r.Result.Experiment == experiment)
            .ToList();
        return new ExperimentResults(layout, runs);
    }

    public IReadOnlyList<string> Datasets => Runs.Select(r => r.Result.Dataset).Distinct().ToList();

    public IReadOnlyList<string> Categories(string dataset) => Of(dataset).Select(r => r.Result.Category).Distinct().ToList();

    /// <summary>Method names (as the experiment names them) of a data set.</summary>
    public IReadOnlyList<string> Methods(string dataset) => Of(dataset).Select(r => r.Result.Method).Distinct().ToList();

    /// <summary>A method's name as tables show it: with <see cref="TestSetUse.Marker"/> when the test set informed its numbers.</summary>
    public string Label(string dataset, string method) => TestSetUse.Label(method, Of(dataset).Where(r => r.Result.Method == method).Select(r => r.Result));

    public IReadOnlyList<int> Seeds(string dataset) => Of(dataset).Select(r => r.Result.Seed).Distinct().Order().ToList();

    public IEnumerable<FinishedRun> Of(string dataset) => Runs.Where(r => r.Result.Dataset == dataset);

    public IEnumerable<FinishedRun> Of(string dataset, string category, string method) =>
        Runs.Where(r => r.Result.Dataset == dataset && r.Result.Category == category && r.Result.Method == method);

    public FinishedRun? Find(string dataset, string category, string method, int seed) =>
        Runs.FirstOrDefault(r => r.Result.Dataset == dataset && r.Result.Category == category && r.Result.Method == method && r.Result.Seed == seed);
}
