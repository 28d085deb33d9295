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
    public void SsmOnMVTecScalesTheRefinementThresholdToItsSizeAndMaskCells()
    {
        var file = Files().Single(f => Path.GetFileName(f) == "ssm-mvtec.yaml");
        var options = (AnomalyBench.Methods.Ssm.SsmOptions)ConfigLoader.Load(file, MethodRegistry.Default, DatasetReaders.Kinds).Methods.Single().Options;
        Assert.That((options.Preprocessing.OutputSize, options.KValues), Is.EqualTo((256, (IReadOnlyList<int>)[2, 4, 8, 16])));
        Assert.That(options.Preprocessing.ResizeFilter, Is.EqualTo(ResizeFilter.Lanczos), "RIAD's Resize(256, Image.ANTIALIAS)");
        Assert.That(options.Preprocessing, Is.EqualTo(AnomalyBench.Methods.Ssm.SsmOptions.RiadMVTec().Preprocessing));
        // 0.96 × (85/16384)/(21/4096): the perfect-reconstruction score at 256 px, k = 2..16 over the official one.
        Assert.That(options.Threshold, Is.EqualTo(0.96 * 340 / 336).Within(1e-9));
        Assert.That(options.Threshold, Is.EqualTo(AnomalyBench.Methods.Ssm.SsmOptions.RiadMVTec().Threshold).Within(1e-9));
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
