using System.Globalization;
using AnomalyBench.Torch;
using NUnit.Framework;

namespace AnomalyBench.Tests.Harness;

/// <summary>
/// OpenBLAS must run the kernels of the CPU's instruction sets (on Intel, where its model table goes stale), unless the
/// user set <c>OPENBLAS_CORETYPE</c>; what OpenBLAS itself reports is the evidence, so each case starts the harness.
/// </summary>
public class OpenBlasCoreTypeTests
{
    private string _dir = null!;

    [SetUp]
    public void MakeDirectory() => _dir = Directory.CreateTempSubdirectory("anomalybench-coretype-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void OpenBlasRunsTheKernelsOfTheCpusInstructionSets()
    {
        var (output, _) = HarnessProcess.Succeed(["info"], new() { [OpenBlasCoreType.Variable] = null });
        if (OpenBlasCoreType.ForThisCpu() is { } core)
            Assert.That(output, Does.Contain($"BLAS kernels: {core} ({OpenBlasCoreType.Variable}={core} set by the harness"), "OpenBLAS's own corename");
        else
            Assert.That(output, Does.Contain("(OpenBLAS's own choice)"));
    }

    [Test]
    public void TheUsersCoreTypeIsKept()
    {
        var (output, _) = HarnessProcess.Succeed(["info"], new() { [OpenBlasCoreType.Variable] = "Prescott" });
        Assert.That(output, Does.Contain($"BLAS kernels: Prescott ({OpenBlasCoreType.Variable}=Prescott from the environment)"));
    }

    /// <summary>
    /// Other kernels round matrix products differently, as another CPU does: a memory-bank method's scores (no training
    /// to amplify it) agree with OpenBLAS's oldest kernels to a few 1e-6 relative (its distances, ‖a‖² + ‖b‖² − 2a·b,
    /// cancel digits), not bit for bit.
    /// </summary>
    [Test]
    public void OtherKernelsChangeScoresOnlyByRounding()
    {
        var core = OpenBlasCoreType.ForThisCpu();
        if (core is null)
        {
            Assert.Ignore("the harness leaves this CPU's kernels to OpenBLAS");
            return;
        }
        var scores = new[] { core, "Prescott" }.Select(kernels =>
        {
            var dir = Directory.CreateDirectory(Path.Combine(_dir, kernels)).FullName;
            var path = TinyExperiment.Write(dir, """
                  - key: patchcore
                    profile: quick
                    backbone: resnet18
                    weights: random
                """);
            HarnessProcess.Succeed(["run", path], new() { [OpenBlasCoreType.Variable] = kernels });
            var file = Directory.GetFiles(Path.Combine(dir, "results"), "scores.csv", SearchOption.AllDirectories).Single();
            return File.ReadAllLines(file).Skip(1).Select(line => double.Parse(line.Split(',')[^1], CultureInfo.InvariantCulture)).ToArray();
        }).ToArray();
        Assert.That(scores[0], Has.Length.EqualTo(6));
        for (var i = 0; i < scores[0].Length; i++)
            Assert.That(scores[0][i], Is.EqualTo(scores[1][i]).Within(1e-3).Percent, $"image {i}");
    }
}
