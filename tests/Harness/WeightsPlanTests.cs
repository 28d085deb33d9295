using System.CommandLine;
using AnomalyBench.Harness.Commands;
using AnomalyBench.Harness.Config;
using AnomalyBench.Harness.Runs;
using AnomalyBench.Methods;
using AnomalyBench.Methods.Backbones;
using AnomalyBench.Torch;
using NUnit.Framework;

namespace AnomalyBench.Tests.Harness;

/// <summary>
/// What a sweep says about its backbones' weights before the first job, decided by the methods' own rule
/// (<see cref="WeightsSource.Resolve"/>), and the packaged network checked before anything trains; <c>validate</c> says the same.
/// </summary>
public class WeightsPlanTests
{
    private string _dir = null!;

    [SetUp]
    public void MakeDirectory()
    {
        _dir = Directory.CreateTempSubdirectory("anomalybench-weights-plan-").FullName;
        Directory.CreateDirectory(Store);
    }

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    /// <summary>The experiments' weights store (<c>weights_folder: weights</c>), empty unless a test puts a file in it.</summary>
    private string Store => Path.Combine(_dir, "weights");

    private string Write(string methods) => TinyExperiment.Write(_dir, methods, extra: "weights_folder: weights");

    private static ExperimentConfig Load(string path) => ConfigLoader.Load(path, FakeBackboneMethod.Registry, AnomalyBench.Datasets.DatasetReaders.Kinds);

    private static (int Code, string Output, string Error) Validate(string path, string? packagedFolder)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var root = new RootCommand { ValidateCommand.Create(FakeBackboneMethod.Registry, packagedFolder) };
        var code = root.Parse(["validate", path]).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    private const string FourBackbones = """
          - key: fakenet
            name: packaged
            weights: cntk
          - key: fakenet
            name: fallback
          - key: fakenet
            name: seeded
            weights: random
          - key: fakenet
            name: wide
            backbone: wide_resnet50_2
        """;

    [Test]
    public void TheSweepWarnsOfRandomWeightsAndNotesThePackagedNetworkOncePerBackboneBeforeTheFirstJob()
    {
        var path = Write(FourBackbones);
        var log = new StringWriter();
        var runner = new SweepRunner(Load(path), path, FakeBackboneMethod.Registry, new LineProgress(log));
        Assert.That(runner.Run().Finished, Is.EqualTo(4), log.ToString());
        var lines = log.ToString().Split('\n');
        var firstJob = Array.FindIndex(lines, l => l.StartsWith("[1/", StringComparison.Ordinal));
        // The weights' notes; a CPU sweep may also note which OpenBLAS kernels run (OpenBlasCoreTypeTests).
        var notes = lines.Where(l => l.StartsWith("note: ", StringComparison.Ordinal) && !l.Contains(OpenBlasCoreType.Variable)).ToList();
        var warnings = lines.Where(l => l.StartsWith("warning: ", StringComparison.Ordinal)).ToList();
        Assert.That(notes.Select(n => n.Split(':')[1].Trim()), Is.EqualTo(new[] { "packaged", "fallback" }));
        Assert.That(notes, Has.All.Contains($"resnet18 runs the CNTK ImageNet ResNet-18 from the ML.NET package {CntkResNet18.Package} {CntkResNet18.Version}")
            .And.All.Contains("not torchvision's IMAGENET1K_V1 weights: numbers differ from the papers' even where everything else is the same"));
        Assert.That(notes[1], Does.Contain($"(weights: auto, no torchvision file in {Store})"), "auto says why");
        Assert.That(notes[0], Does.Not.Contain("weights: auto"));
        Assert.That(warnings.Select(w => w.Split(':')[1].Trim()), Is.EqualTo(new[] { "seeded", "wide" }));
        Assert.That(warnings[0], Does.Contain("resnet18 runs with RANDOM weights (seeded);"));
        Assert.That(warnings[1], Does.Contain($"wide_resnet50_2 runs with RANDOM weights (seeded): no pretrained file in {Store}"));
        Assert.That(lines.ToList().FindLastIndex(l => l.StartsWith("note: ", StringComparison.Ordinal) || l.StartsWith("warning: ", StringComparison.Ordinal)),
            Is.LessThan(firstJob), "all said before the first job");

        // What the runs recorded is what the messages announced.
        string Recorded(string method) => RunResult.Read(runner.Layout.File(new RunKey("synthetic", "fabric", method, 0), ResultsLayout.MetricsFile)).Weights;
        Assert.That(Recorded("packaged"), Does.StartWith("resnet18: CNTK ImageNet weights, ResNet18.onnx of Microsoft.ML.DnnImageFeaturizer.ResNet18 0.24.0"));
        Assert.That(Recorded("fallback"), Is.EqualTo(Recorded("packaged")));
        Assert.That(Recorded("seeded"), Is.EqualTo("resnet18: random (seed 0)"));
        Assert.That(Recorded("wide"), Is.EqualTo("wide_resnet50_2: random (seed 0)"));
    }

    [Test]
    public void WithTorchvisionsFileInTheStoreAutoSaysNothingAndCntkStillDoes()
    {
        File.WriteAllBytes(Path.Combine(Store, "resnet18-f37072fd.pth"), []);
        var path = Write(FourBackbones);
        var config = Load(path);
        var plan = WeightsPlan.Resolve(config, WeightsPlan.StoreOf(config, path));
        Assert.That(plan.Backbones.Select(b => (b.Method, b.Source)), Is.EqualTo(new[]
        {
            ("packaged", WeightsSource.Cntk), ("fallback", WeightsSource.Pretrained), ("seeded", WeightsSource.Random(0)), ("wide", WeightsSource.Random(0)),
        }));
        Assert.That(plan.Notes.Select(n => n.Split(':')[0]), Is.EqualTo(new[] { "packaged" }));
        Assert.That(plan.Warnings.Select(n => n.Split(':')[0]), Is.EqualTo(new[] { "seeded", "wide" }));
        var (code, output, error) = Validate(path, packagedFolder: null);
        Assert.That(code, Is.Zero, error);
        Assert.That(output, Does.Contain("note: packaged: resnet18 runs the CNTK ImageNet ResNet-18").And.Contain("warning: wide: wide_resnet50_2 runs with RANDOM weights"));
        Assert.That(output, Does.Not.Contain("fallback:"), "validate says what run says");
    }

    [Test]
    public void AMissingPackagedNetworkFailsTheWholeRunBeforeAnyJobAndValidateReportsTheSame()
    {
        var path = Write("  - key: fake\n    name: plain\n  - key: fakenet\n    name: fallback");
        var empty = Path.Combine(_dir, "no-package");
        Directory.CreateDirectory(empty);
        var log = new StringWriter();
        var runner = new SweepRunner(Load(path), path, FakeBackboneMethod.Registry, new LineProgress(log), packagedNetworkFolder: empty);
        var error = Assert.Throws<WeightsException>(() => runner.Run())!;
        Assert.That(error.Message, Does.StartWith("fallback: resnet18 resolves to the packaged CNTK ImageNet ResNet-18, which cannot be used: ")
            .And.Contain(Path.Combine(empty, CntkResNet18.ModelFile) + " is missing").And.Contain("dotnet build"));
        Assert.That(log.ToString(), Does.Not.Contain("[1/"), "no job started, not even the one without a backbone");
        Assert.That(Directory.Exists(runner.Layout.Root), Is.False, "nothing written");

        var validate = Validate(path, empty);
        Assert.That(validate.Code, Is.EqualTo(2));
        Assert.That(validate.Error.Trim(), Is.EqualTo(error.Message));
        Assert.That(Validate(path, packagedFolder: null).Code, Is.Zero, "the build's own copy is there");

        // Once its runs have finished, a resumed sweep no longer needs the network.
        Assert.That(new SweepRunner(Load(path), path, FakeBackboneMethod.Registry, new LineProgress(TextWriter.Null)).Run().Finished, Is.EqualTo(2));
        var resumed = new SweepRunner(Load(path), path, FakeBackboneMethod.Registry, new LineProgress(TextWriter.Null), packagedNetworkFolder: empty).Run();
        Assert.That((resumed.Skipped, resumed.Finished, resumed.ExitCode), Is.EqualTo((2, 0, 0)));
    }

    [Test]
    public void CntkOnAnotherBackboneIsAFileAndLineErrorOfValidateAndRun()
    {
        var path = TinyExperiment.Write(_dir, "  - key: patchcore\n    weights: cntk", extra: "weights_folder: weights");
        // The error points at the weights: value itself (issue 21: backbone fields are checked where they are written).
        var line = Array.FindIndex(File.ReadAllLines(path), l => l.Contains("weights: cntk", StringComparison.Ordinal)) + 1;
        foreach (var command in new[] { "validate", "run" })
        {
            var (code, output, error) = CliRun.Run(command, path);
            Assert.That(code, Is.EqualTo(2), command);
            Assert.That(error, Does.StartWith($"{path}:{line}:14: method 'patchcore': weights: cntk is the ImageNet ResNet-18 of the NuGet package {CntkResNet18.Package}"), command);
            Assert.That(error, Does.Contain("backbone 'wide_resnet50_2' cannot use it"), command);
            Assert.That(output, Does.Not.Contain("valid."), command);
        }
        Assert.That(Directory.Exists(Path.Combine(_dir, "results")), Is.False, "run stopped before anything");
        var resnet18 = TinyExperiment.Write(_dir, "  - key: patchcore\n    backbone: resnet18\n    weights: cntk", extra: "weights_folder: weights");
        var valid = CliRun.Run("validate", resnet18);
        Assert.That(valid.Code, Is.Zero, valid.Error);
        Assert.That(valid.Output, Does.Contain("note: patchcore: resnet18 runs the CNTK ImageNet ResNet-18"));
    }
}
