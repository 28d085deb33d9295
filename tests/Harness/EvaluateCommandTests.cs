using System.Text.Json;
using AnomalyBench.Harness;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Serialization;
using NUnit.Framework;

namespace AnomalyBench.Tests.Harness;

public class EvaluateCommandTests
{
    private static (int Code, string Output, string Error) Run(params string[] args) => AnomalyBench.Tests.Harness.CliRun.Run(args);

    [TestCase("small")]
    [TestCase("medium")]
    [TestCase("ties")]
    public void PrintsTheFixtureValues(string name)
    {
        var (code, output, error) = Run("evaluate", Shared.Path("fixtures", "metrics", $"{name}.safetensors"));
        Assert.That(code, Is.Zero, error);
        using var printed = JsonDocument.Parse(output);
        using var expected = JsonDocument.Parse(File.ReadAllText(Shared.Path("fixtures", "metrics", "expected.json")));
        foreach (var metric in expected.RootElement.GetProperty(name).EnumerateObject())
        {
            var tolerance = metric.Name.StartsWith("aupro", StringComparison.Ordinal) ? 1e-5 : 1e-6;
            Assert.That(printed.RootElement.GetProperty(metric.Name).GetDouble(), Is.EqualTo(metric.Value.GetDouble()).Within(tolerance), metric.Name);
        }
    }

    [Test]
    public void AWrongTensorIsNamed()
    {
        var path = Path.Combine(Path.GetTempPath(), $"anomalybench-eval-{Guid.NewGuid():N}.safetensors");
        try
        {
            using (var state = new StateDict())
            {
                state.Add("maps", torch.rand(2, 4, 4));
                state.Add("masks", torch.zeros([2, 4, 4], ScalarType.Float32));
                state.Add("labels", torch.zeros([2], ScalarType.Byte));
                Safetensors.Save(path, state);
            }
            var (code, _, error) = Run("evaluate", path);
            Assert.That(code, Is.EqualTo(1));
            Assert.That(error, Does.Contain("'masks'").And.Contain("U8"));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
