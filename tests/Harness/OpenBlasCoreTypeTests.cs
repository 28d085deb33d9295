using System.Globalization;
using AnomalyBench.Torch;
using NUnit.Framework;

namespace AnomalyBench.Tests.Harness;

/// <summary>
/// OpenBLAS keeps its own choice of kernels unless the user sets <c>OPENBLAS_CORETYPE</c> (another choice would change
/// every result's rounding), and the harness says when that choice is older than the CPU's instruction sets; what
/// OpenBLAS itself reports is the evidence, so the first cases start the harness.
/// </summary>
public class OpenBlasCoreTypeTests
{
    private string _dir = null!;

    [SetUp]
    public void MakeDirectory() => _dir = Directory.CreateTempSubdirectory("anomalybench-coretype-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void OpenBlasKeepsItsOwnChoiceAndTheHarnessSaysWhatTheCpuAllows()
    {
        var (output, _) = HarnessProcess.Succeed(["info"], new() { [OpenBlasCoreType.Variable] = null });
        var line = output.Split('\n').Single(l => l.StartsWith("BLAS kernels: ", StringComparison.Ordinal) && l.Contains("OpenBLAS's own choice"));
        var running = line["BLAS kernels: ".Length..line.IndexOf(' ', "BLAS kernels: ".Length)];
        var advice = $"{OpenBlasCoreType.Variable}={OpenBlasCoreType.ForThisCpu()} runs kernels of its instruction sets";
        if (OpenBlasCoreType.Advice(running) is not null)
            Assert.That(output, Does.Contain($"OpenBLAS runs its {running} kernels on this CPU").And.Contain(advice));
        else
            Assert.That(output, Does.Not.Contain("runs kernels of its instruction sets"), $"OpenBLAS runs {running}: nothing to advise");
    }

    [Test]
    public void TheUsersCoreTypeIsKept()
    {
        var (output, _) = HarnessProcess.Succeed(["info"], new() { [OpenBlasCoreType.Variable] = "Prescott" });
        Assert.That(output, Does.Contain($"BLAS kernels: Prescott ({OpenBlasCoreType.Variable}=Prescott from the environment)"));
        Assert.That(output, Does.Not.Contain("runs kernels of its instruction sets"), "the user chose: no advice");
    }

    [Test]
    public void AdviceOnlyWhereOpenBlasRunsOlderKernelsThanTheCpuAllows()
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(OpenBlasCoreType.Variable)))
            Assert.Ignore($"{OpenBlasCoreType.Variable} is set in this test process: the harness gives no advice then");
        if (OpenBlasCoreType.ForThisCpu() is not { } core)
        {
            Assert.That(OpenBlasCoreType.Advice("Prescott"), Is.Null, "the harness leaves this CPU to OpenBLAS");
            return;
        }
        Assert.That(OpenBlasCoreType.Advice("Prescott"), Does.Contain($"{OpenBlasCoreType.Variable}={core}"));
        Assert.That(OpenBlasCoreType.Advice(core), Is.Null, "OpenBLAS runs the CPU's kernels already");
        Assert.That(OpenBlasCoreType.Advice("Zen"), Is.Null, "a core outside the Intel ladder");
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
