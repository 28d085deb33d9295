using System.CommandLine;
using AnomalyBench.Datasets;
using AnomalyBench.Harness.Config;
using AnomalyBench.Harness.Runs;
using AnomalyBench.Methods;
using AnomalyBench.Methods.Backbones;

namespace AnomalyBench.Harness.Commands;

/// <summary>
/// <c>harness validate FILE.yaml</c>: every check a run makes before it starts — the file, the
/// methods and their fields, the data sets' folders and categories, the weights each backbone resolves to and the
/// packaged network's files when one needs it — and the plan, without running anything (synthetic sets are not generated).
/// </summary>
internal static class ValidateCommand
{
    /// <param name="packagedNetworkFolder">where the packaged CNTK network is checked (default: next to the assemblies); for tests.</param>
    public static Command Create(MethodRegistry registry, string? packagedNetworkFolder = null)
    {
        var file = new Argument<FileInfo>("file") { Description = "The experiment file (YAML)." };
        var command = new Command("validate", "Check an experiment file and show its plan without running it.") { file };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!.FullName;
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            try
            {
                var config = ConfigLoader.Load(path, registry, DatasetReaders.Kinds);
                var jobs = Planner.PlanWithoutGenerating(config, path);
                var weights = WeightsPlan.Resolve(config, WeightsPlan.StoreOf(config, path));
                weights.CheckPackagedNetwork(jobs.Select(j => j.Method.Name), packagedNetworkFolder);
                weights.Announce(new LineProgress(output));
                output.WriteLine($"{Path.GetFileName(path)}: valid. {jobs.Count} job(s), {jobs.Sum(j => j.Categories.Count)} run(s):");
                foreach (var job in jobs) output.WriteLine($"  {job}");
                return 0;
            }
            catch (Exception e) when (e is ConfigException or ArgumentException or IOException or DatasetLayoutException or WeightsException)
            {
                error.WriteLine(e.Message);
                return 2;
            }
        });
        return command;
    }
}
