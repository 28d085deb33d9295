using System.Globalization;
using System.Text.Json.Nodes;
using AnomalyBench.Torch;
using NUnit.Framework;

namespace AnomalyBench.Tests.Harness;

/// <summary>
/// OpenBLAS keeps its own choice of kernels unless the user sets <c>OPENBLAS_CORETYPE</c> or asks for the CPU's with
/// <c>ANOMALYBENCH_BLAS_KERNELS=cpu</c> (another choice changes every result's rounding), and the harness says when its
/// own choice is older than the CPU's instruction sets; what
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
        var (output, _) = HarnessProcess.Succeed(["info"], new() { [OpenBlasCoreType.Variable] = null, [OpenBlasCoreType.ChoiceVariable] = null });
        var line = output.Split('\n').Single(l => l.StartsWith("BLAS kernels: ", StringComparison.Ordinal) && l.Contains("OpenBLAS's own choice"));
        var running = line["BLAS kernels: ".Length..line.IndexOf(' ', "BLAS kernels: ".Length)];
        var advice = $"{OpenBlasCoreType.ChoiceVariable}=cpu (here {OpenBlasCoreType.Variable}={OpenBlasCoreType.ForThisCpu()}) runs kernels of its instruction sets";
        if (OpenBlasCoreType.Recommendation(running) is not null)
            Assert.That(output, Does.Contain($"OpenBLAS runs its {running} kernels on this CPU").And.Contain(advice));
        else
            Assert.That(output, Does.Not.Contain("runs kernels of its instruction sets"), $"OpenBLAS runs {running}: nothing to advise");
    }

    [Test]
    public void AskedForTheCpusKernelsTheHarnessSetsThemFromTheInstructionSets()
    {
        var (output, _) = HarnessProcess.Succeed(["info"], new() { [OpenBlasCoreType.Variable] = null, [OpenBlasCoreType.ChoiceVariable] = "cpu" });
        if (OpenBlasCoreType.ForThisCpu() is { } core)
            Assert.That(output, Does.Contain($"BLAS kernels: {core} ({OpenBlasCoreType.Variable}={core} set by the harness from the CPU's instruction sets"), "OpenBLAS's own corename");
        else
            Assert.That(output, Does.Contain("(OpenBLAS's own choice)"));
        Assert.That(output, Does.Not.Contain("runs kernels of its instruction sets"), "nothing left to advise");
    }

    [TestCase(null)]
    [TestCase("cpu")]
    public void TheUsersCoreTypeIsKept(string? choice)
    {
        var (output, _) = HarnessProcess.Succeed(["info"], new() { [OpenBlasCoreType.Variable] = "Prescott", [OpenBlasCoreType.ChoiceVariable] = choice });
        Assert.That(output, Does.Contain($"BLAS kernels: Prescott ({OpenBlasCoreType.Variable}=Prescott from the environment)"));
        Assert.That(output, Does.Not.Contain("runs kernels of its instruction sets"), "the user chose: no advice");
    }

    [Test]
    public void AnUnknownChoiceIsAnErrorThatNamesTheVariable()
    {
        var (code, _, error) = HarnessProcess.Run(["info"], new() { [OpenBlasCoreType.ChoiceVariable] = "fastest" });
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error, Does.Contain($"error: {OpenBlasCoreType.ChoiceVariable}='fastest' is not 'openblas'").And.Contain("'cpu'"));
    }

    [Test]
    public void AdviceOnlyWhereOpenBlasRunsOlderKernelsThanTheCpuAllows()
    {
        if (OpenBlasCoreType.ForThisCpu() is not { } core)
        {
            Assert.That(OpenBlasCoreType.Recommendation("Prescott"), Is.Null, "the harness leaves this CPU to OpenBLAS");
            return;
        }
        Assert.That(OpenBlasCoreType.Recommendation("Prescott"), Does.Contain($"{OpenBlasCoreType.Variable}={core}"));
        Assert.That(OpenBlasCoreType.Recommendation(core), Is.Null, "OpenBLAS runs the CPU's kernels already");
        Assert.That(OpenBlasCoreType.Recommendation("Zen"), Is.Null, "a core outside the Intel ladder");
    }

    [Test]
    public void ACpuSweepSaysSoOnceBeforeItsFirstJob()
    {
        var path = TinyExperiment.Write(_dir, """
              - key: patchcore
                profile: quick
                backbone: resnet18
                weights: random
            """);
        var (output, _) = HarnessProcess.Succeed(["run", path], new() { [OpenBlasCoreType.Variable] = null, [OpenBlasCoreType.ChoiceVariable] = null });
        var lines = output.Split('\n');
        // openblas_get_config: "OpenBLAS 0.3.21 ... USE_OPENMP Prescott MAX_THREADS=64", then "; " and the threading.
        var config = JsonNode.Parse(File.ReadAllText(Directory.GetFiles(_dir, "manifest.json", SearchOption.AllDirectories).Single()))!["blas_config"]!
            .GetValue<string>().Split(';')[0].Split(' ');
        var running = config[Array.FindIndex(config, t => t.StartsWith("MAX_THREADS", StringComparison.Ordinal)) - 1];
        var notes = lines.Select((line, i) => (line, i)).Where(l => l.line.Contains(OpenBlasCoreType.Variable)).ToList();
        if (OpenBlasCoreType.Recommendation(running) is not { } advice)
        {
            Assert.That(notes, Is.Empty, $"OpenBLAS runs {running}, this CPU's kernels: nothing to say");
            return;
        }
        Assert.That(notes.Select(n => n.line), Is.EqualTo(new[] { $"note: {advice}" }));
        Assert.That(notes[0].i, Is.LessThan(Array.FindIndex(lines, l => l.StartsWith("[1/", StringComparison.Ordinal))));
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
