using System.Text.Json.Nodes;
using NUnit.Framework;

namespace AnomalyBench.Tests.Harness;

/// <summary><c>harness run FILE --workers n</c>: the shards as processes of the harness, each on its share of the cores, then one report.</summary>
public class LocalShardsTests
{
    private string _dir = null!;

    [SetUp]
    public void MakeDirectory() => _dir = Directory.CreateTempSubdirectory("anomalybench-workers-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void TwoWorkersRunTheWholePlanOnHalfTheCoresEachAndBuildTheReport()
    {
        var path = TinyExperiment.Write(_dir, """
              - key: patchcore
                profile: quick
                backbone: resnet18
                weights: random
            """, categories: "[fabric, wood]");
        var (output, _) = HarnessProcess.Succeed(["run", path, "--workers", "2"], new() { ["ANOMALYBENCH_THREADS"] = null });

        var share = Math.Max(1, Environment.ProcessorCount / 2);
        Assert.That(output, Does.Contain($"2 worker(s) on this machine, {share} intra-op thread(s) each"));
        Assert.That(output, Does.Contain("[0/2] ").And.Contain("[1/2] "), "each worker's lines, marked with its shard");
        var root = Path.Combine(_dir, "results", "tiny");
        var metrics = Directory.GetFiles(root, "metrics.json", SearchOption.AllDirectories);
        Assert.That(metrics.Select(f => Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(f))))).Order(),
            Is.EqualTo(new[] { "fabric", "wood" }), "one run per category, one category per worker");
        foreach (var file in metrics)
            Assert.That(JsonNode.Parse(File.ReadAllText(file))!["threads"]!.GetValue<int>(), Is.EqualTo(share), file);
        Assert.That(File.Exists(Path.Combine(root, "report", "report.html")), "the report over both workers' runs");
        Assert.That(output, Does.Contain("report of tiny: 2 finished run(s)"));
    }

    [TestCase("--workers", "0", "--workers must be at least 1, got 0")]
    [TestCase("--shard", "0/2", "give either --workers or --shard, not both")]
    public void BadWorkerOptionsAreRefused(string option, string value, string message)
    {
        var path = TinyExperiment.Write(_dir, """
              - key: patchcore
                profile: quick
                weights: random
            """);
        string[] arguments = option == "--shard" ? ["run", path, "--workers", "2", option, value] : ["run", path, option, value];
        var (code, _, error) = HarnessProcess.Run(arguments, []);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain(message));
    }
}
