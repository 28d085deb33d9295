using AnomalyBench.Datasets;
using AnomalyBench.Methods;
using AnomalyBench.Methods.Backbones;
using AnomalyBench.Methods.Fyd;
using AnomalyBench.Torch;
using NUnit.Framework;

namespace AnomalyBench.Tests.Methods.Fyd;

/// <summary>
/// The measurements behind methods/Fyd/README.md ("Does training move anything?", "Where could the signal go?"),
/// on real features (the packaged CNTK ImageNet ResNet-18). Explicit: minutes on a 2-core CPU; they print, and assert
/// nothing beyond what QualityCheck checks.
/// </summary>
[Explicit("measurement for methods/Fyd/README.md; minutes on a 2-core CPU")]
[NonParallelizable]
public class FydMeasurements
{
    private string _folder = "";

    [SetUp]
    public void CreateFolder() => _folder = Path.Combine(Path.GetTempPath(), $"anomalybench-fyd-measure-{Guid.NewGuid():N}");

    [TearDown]
    public void RemoveFolder()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    /// <summary>
    /// How far the paper profile (224 px, batch 32, SGD 1e-4 momentum 0.9, cosine, 50 epochs) moves the transformers
    /// (mean ‖θ − I‖_F), the projector and the backbone (‖W − W₀‖/‖W₀‖) on the generated pill's 30 training images
    /// (one step per epoch, as MVTec AD's smallest categories), and what that does to I-/P-AUROC against zero epochs.
    /// </summary>
    [TestCase(50, 1e-4, 1UL, 16)]
    [TestCase(50, 1e-3, 1UL, 16)]
    public void PaperProfileMovement(int epochs, double learningRate, ulong seed, int images)
    {
        var pill = QualityCheck.Generated("pill");
        var data = pill with { Train = pill.Train.Take(images).ToList() };
        var options = FydOptions.Defaults(Profile.Paper) with { Weights = "cntk", Epochs = epochs, Steps = 0, LearningRate = learningRate };
        Report(options, data, seed, $"paper profile, {epochs} epochs of 1 step, lr {learningRate}");
    }

    /// <summary>The same numbers for the quick profile (128 px, batch 8, 3 epochs, lr 1e-3).</summary>
    [Test]
    public void QuickProfileMovement()
    {
        var data = QualityCheck.Generated("pill");
        Report(FydOptions.Defaults(Profile.Quick) with { Weights = "cntk" }, data, 1, "quick profile");
    }

    private void Report(FydOptions options, DatasetCategory data, ulong seed, string label)
    {
        var store = new WeightsStore(_folder);
        var context = new FitContext(Device.CPU, seed, store, NullTrainingLog.Instance);
        using var trained = new FydMethod(options);
        var started = DateTime.UtcNow;
        trained.Fit(data.Train, context);
        var seconds = (DateTime.UtcNow - started).TotalSeconds;
        using var initial = new FydMethod(options with { Epochs = 0 });
        initial.Fit(data.Train, context);
        var departures = TransformerDeparture.Of(trained.Network!, data.Train, options.Preprocessing);
        var projector = TransformerDeparture.Relative(trained.Network!.Projector!, initial.Network!.Projector!);
        var backbone = TransformerDeparture.Relative(trained.Network.Backbone, initial.Network.Backbone);
        TestContext.Out.WriteLine($"{label}, seed {seed}, {data.Train.Count} training images, fit {seconds:F0} s");
        TestContext.Out.WriteLine($"  epoch losses {trained.EpochLosses[0]:F4} -> {trained.EpochLosses[^1]:F4}");
        TestContext.Out.WriteLine($"  mean |theta - I|_F: {string.Join(", ", departures.Select(kv => $"{kv.Key} {kv.Value:E2}"))}");
        TestContext.Out.WriteLine($"  relative change: projector {projector:E2}, backbone {backbone:E2}");
        var a = QualityCheck.Measure($"{label} trained", () => new FydMethod(options), data, store, seeds: [seed]);
        var b = QualityCheck.Measure($"{label} zero epochs (PaDiM)", () => new FydMethod(options with { Epochs = 0 }), data, store, seeds: [seed]);
        TestContext.Out.WriteLine($"  I-AUROC {a.ImageAuroc:F3} vs {b.ImageAuroc:F3}, P-AUROC {a.PixelAuroc:F3} vs {b.PixelAuroc:F3}");
    }

    /// <summary>
    /// Where could FYD lose PaDiM's signal? The quick profile against its parts switched off, means of seeds 0–2 on the
    /// generated pill and hazelnut_toy: PaDiM (zero epochs), the backbone frozen, the Gaussian fitted in the input frame
    /// (no inverse ICA warp of the map), no ICA, and the former learning rate 0.01.
    /// </summary>
    [TestCase("fyd")]
    [TestCase("padim")]
    [TestCase("frozen_backbone")]
    [TestCase("input_frame")]
    [TestCase("no_ica")]
    [TestCase("lr_0.01")]
    public void SignalAblation(string variant)
    {
        var quick = FydOptions.Defaults(Profile.Quick);
        var options = variant switch
        {
            "fyd" => quick,
            "padim" => quick with { Epochs = 0 },
            "frozen_backbone" => quick with { TrainBackbone = false },
            "input_frame" => quick with { ScoringFrame = "input" },
            "no_ica" => quick with { ImageAlignment = false },
            "lr_0.01" => quick with { LearningRate = 0.01 },
            _ => throw new ArgumentException(variant),
        };
        var store = new WeightsStore(_folder);
        QualityCheck.OnPillAndHazelnut($"fyd quick [{variant}]", () => new FydMethod(options), store);
    }
}
