using AnomalyBench.Datasets;
using AnomalyBench.Harness.Config;
using AnomalyBench.Methods;
using AnomalyBench.Methods.PatchCore;
using NUnit.Framework;

namespace AnomalyBench.Tests.Methods.PatchCore;

/// <summary>PatchCore's options as an experiment file writes them: snake_case fields over a profile's defaults.</summary>
public class PatchCoreOptionsTests
{
    [Test]
    public void AnExperimentFileBindsEveryFieldBySnakeCaseName()
    {
        var dir = Directory.CreateTempSubdirectory("anomalybench-patchcore-config-").FullName;
        try
        {
            var path = Path.Combine(dir, "experiment.yaml");
            File.WriteAllText(path, """
                experiment: patchcore
                datasets:
                  - kind: synthetic
                    categories: [wood]
                methods:
                  - key: patchcore
                    profile: quick
                    weights: random
                    layers: [layer1, layer2]
                    coreset_ratio: 0.01
                    pretrain_dimension: 512
                    target_dimension: 256
                    projection_dimension: 64
                    coreset_starts: 5
                    num_neighbours: 3
                    reweight: true
                    reweight_neighbours: 4
                    sigma: 2
                    distance_chunk: 1000
                    patch_size: 5
                    batch_size: 4
                """);
            var config = ConfigLoader.Load(path, MethodRegistry.Default, ["synthetic"]);
            var options = (PatchCoreOptions)config.Methods.Single().Options;
            Assert.That(options.Preprocessing, Is.EqualTo(new Preprocessing(146, 128, ResizeMode.ShorterSide)), "the quick profile's pre-processing");
            Assert.That(options.Layers, Is.EqualTo(new[] { "layer1", "layer2" }));
            Assert.That((options.Weights, options.CoresetRatio, options.PretrainDimension, options.TargetDimension, options.ProjectionDimension),
                Is.EqualTo(("random", 0.01, 512, 256, 64)));
            Assert.That((options.CoresetStarts, options.NumNeighbours, options.Reweight, options.ReweightNeighbours, options.Sigma, options.DistanceChunk),
                Is.EqualTo((5, 3, true, 4, 2.0, 1000)));
            Assert.That((options.PatchSize, options.BatchSize), Is.EqualTo((5, 4)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void ImpossibleValuesNameTheirField()
    {
        var paper = PatchCoreOptions.Defaults(Profile.Paper);
        Assert.That(() => (paper with { CoresetRatio = 0 }).Validate(), Throws.ArgumentException.With.Message.Contains("coreset_ratio"));
        Assert.That(() => (paper with { CoresetRatio = 1.5 }).Validate(), Throws.ArgumentException.With.Message.Contains("coreset_ratio"));
        Assert.That(() => (paper with { Layers = [] }).Validate(), Throws.ArgumentException.With.Message.Contains("layers"));
        Assert.That(() => (paper with { Layers = ["layer2", "layer2"] }).Validate(), Throws.ArgumentException.With.Message.Contains("twice"));
        Assert.That(() => (paper with { Sigma = -1 }).Validate(), Throws.ArgumentException.With.Message.Contains("sigma"));
        Assert.That(() => (paper with { NumNeighbours = 0 }).Validate(), Throws.ArgumentException.With.Message.Contains("num_neighbours"));
        Assert.That(() => (paper with { DistanceChunk = 0 }).Validate(), Throws.ArgumentException.With.Message.Contains("distance_chunk"));
        Assert.That(() => (paper with { BatchSize = 0 }).Validate(), Throws.ArgumentException.With.Message.Contains("batch_size"));
        Assert.That(() => paper.Validate(), Throws.Nothing);
        Assert.That(() => PatchCoreOptions.Defaults(Profile.Quick).Validate(), Throws.Nothing);
    }
}
