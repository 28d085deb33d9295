using System.Text.Json;
using AnomalyBench.Metrics;
using AnomalyBench.Torch.Serialization;
using NUnit.Framework;

namespace AnomalyBench.Tests.Metrics;

/// <summary>
/// The shared fixtures (shared/fixtures/metrics): values computed independently in Python
/// (scikit-learn for AUROC/AP/F1-max, the MVTec AD algorithm for AUPRO), reproduced here.
/// </summary>
public class FixtureTests
{
    private static readonly string[] s_cases = ["small", "medium", "ties"];

    private static EvaluationInput Load(string name)
    {
        using var state = Safetensors.Load(Shared.Path("fixtures", "metrics", name + ".safetensors"));
        var maps = state["maps"];
        var masks = state["masks"];
        var labels = state["labels"];
        var scores = state["scores"];
        return EvaluationInput.FromShapes(maps.data<float>(), maps.shape, masks.data<byte>(), masks.shape,
            labels.data<byte>(), labels.shape, scores.data<float>(), scores.shape);
    }

    private static Dictionary<string, double> Expected(string name)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Shared.Path("fixtures", "metrics", "expected.json")));
        return json.RootElement.GetProperty(name).EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
    }

    [TestCaseSource(nameof(s_cases))]
    public void ReproducesEveryExpectedValue(string name)
    {
        var result = Evaluation.Evaluate(Load(name));
        var actual = result.ToDictionary();
        var expected = Expected(name);
        Assert.That(actual.Keys, Is.EquivalentTo(expected.Keys));
        Assert.Multiple(() =>
        {
            foreach (var (key, value) in expected)
            {
                TestContext.Out.WriteLine($"{name} {key}: {actual[key]:R} expected {value:R} (diff {actual[key] - value:E2})");
                Assert.That(actual[key], Is.EqualTo(value).Within(key.StartsWith("aupro", StringComparison.Ordinal) ? 1e-5 : 1e-6), $"{name}: {key}");
            }
        });
        Assert.That(result.Warnings, Is.Empty);
    }

    [TestCaseSource(nameof(s_cases))]
    public void AgreesWithThePlainTranscriptionsToRounding(string name)
    {
        var input = Load(name);
        var result = Evaluation.Evaluate(input);
        var n = input.Height * input.Width;
        var maps = Enumerable.Range(0, input.Count).Select(i => input.Maps.AsSpan(i * n, n).ToArray()).ToList();
        var masks = Enumerable.Range(0, input.Count).Select(i => input.Masks.AsSpan(i * n, n).ToArray()).ToList();
        Assert.That(result.Pixel.AuproAt(0.3).Value.Value, Is.EqualTo(ReferenceMetrics.Aupro(maps, masks, input.Height, input.Width, 0.3)).Within(1e-12));
        Assert.That(result.Pixel.Auroc.Value, Is.EqualTo(ReferenceMetrics.RocAuc(input.Maps, input.Masks)).Within(1e-10),
            "the module's ROC area is an exact integer sum; the transcription's trapezoids round");
    }

    [TestCaseSource(nameof(s_cases))]
    public void TheScoresInTheFileAreTheMaxOfEachMap(string name)
    {
        var input = Load(name);
        var fromMaps = Evaluation.Evaluate(input with { Scores = null });
        Assert.That(fromMaps.Image.Auroc.Value, Is.EqualTo(Expected(name)["image_auroc"]).Within(1e-6));
    }

    [TestCase("small")]
    [TestCase("medium")]
    public void QuantileAuproIsCloseAndMarkedApproximate(string name)
    {
        var input = Load(name);
        var fast = Evaluation.Evaluate(input, new PixelMetricsOptions { Aupro = AuproMode.Quantile });
        Assert.That(fast.Pixel.AuproAt(0.3).Approximate, Is.True);
        Assert.That(fast.ToJson(), Does.Contain("approximate"));
        Assert.That(fast.ToDictionary()["aupro_0.3"], Is.EqualTo(Expected(name)["aupro_0.3"]).Within(2e-3));
    }

    [Test]
    public void QuantileAuproIsBiasedLowByHeavyTies()
    {
        // The MVTec 3D-AD method takes 1 − (pos + 1)/n as the FPR, which overstates it when
        // normal scores tie with the threshold: on the "ties" case it lands ~6 points low.
        // This is why the exact method is the default.
        var fast = Evaluation.Evaluate(Load("ties"), new PixelMetricsOptions { Aupro = AuproMode.Quantile });
        Assert.That(fast.ToDictionary()["aupro_0.3"], Is.LessThan(Expected("ties")["aupro_0.3"] - 0.01));
    }
}
