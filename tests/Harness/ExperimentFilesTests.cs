using AnomalyBench.Datasets;
using AnomalyBench.Harness.Config;
using AnomalyBench.Methods;
using NUnit.Framework;

namespace AnomalyBench.Tests.Harness;

/// <summary>Every experiment file the repository ships binds: known method keys, fields, data-set kinds (the data folders themselves are the user's).</summary>
public class ExperimentFilesTests
{
    public static IEnumerable<string> Files()
    {
        var root = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "AnomalyBench.sln"))) root = root.Parent;
        if (root is null) yield break;
        yield return Path.Combine(root.FullName, "experiments.yaml");
        foreach (var file in Directory.EnumerateFiles(Path.Combine(root.FullName, "experiments"), "*.yaml").Order(StringComparer.Ordinal)) yield return file;
    }

    [TestCaseSource(nameof(Files))]
    public void ShippedExperimentFilesBind(string path)
    {
        var config = ConfigLoader.Load(path, MethodRegistry.Default, DatasetReaders.Kinds);
        Assert.That(config.Methods, Is.Not.Empty);
        Assert.That(Path.GetFileNameWithoutExtension(path), Does.Not.Contain('_'), "experiment files are named <method>-<data set>.yaml");
    }

    [Test]
    public void TheQuickstartRunsEveryRegisteredMethodAtItsQuickProfile()
    {
        var quickstart = Files().First();
        var config = ConfigLoader.Load(quickstart, MethodRegistry.Default, DatasetReaders.Kinds);
        Assert.That(config.Methods.Select(m => m.Key).Order(), Is.EqualTo(MethodRegistry.Default.Keys.Order()));
        Assert.That(config.Methods.All(m => m.Profile == Profile.Quick), Is.True);
    }
}
