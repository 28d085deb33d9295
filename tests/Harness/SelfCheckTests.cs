using System.Text.Json;
using AnomalyBench.Harness.SelfCheck;
using AnomalyBench.Methods;
using AnomalyBench.Torch;
using NUnit.Framework;

namespace AnomalyBench.Tests.Harness;

/// <summary>
/// <c>harness selfcheck</c> (issue 22): on CPU with --quick it passes, writes every section, and a comparison forced
/// to fail through a tolerance override is reported by name with exit code 1; bad devices are exit code 2.
/// </summary>
public class SelfCheckTests
{
    /// <summary>Every op issue 22 lists, by the names the report gives them.</summary>
    private static readonly string[] s_requiredOps =
    [
        "conv2d", "conv_transpose2d", "batch_norm", "interpolate bilinear", "interpolate bilinear align_corners", "interpolate nearest",
        "grid_sample bilinear", "grid_sample bilinear align_corners", "affine_grid", "cdist", "topk", "median", "unfold",
        "adaptive_avg_pool1d", "matmul", "gaussian_blur", "gaussian_filter1d", "sgd step", "adam step", "adamw step",
    ];

    private string _folder = "";

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("anomalybench-selfcheck-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void OnCpuItPassesAndWritesEngineOpsAndEveryMethod()
    {
        var json = Path.Combine(_folder, "selfcheck.json");
        var (code, output, error) = CliRun.Run("selfcheck", "--device", "cpu", "--quick", "--json", json);
        Assert.That(code, Is.Zero, output + error);
        Assert.That(output, Does.Contain("selfcheck passed"));

        using var report = JsonDocument.Parse(File.ReadAllText(json));
        var engine = report.RootElement.GetProperty("engine");
        Assert.That(engine.GetProperty("device").GetString(), Is.EqualTo("cpu"));
        Assert.That(engine.GetProperty("libtorch_version").GetString(), Is.EqualTo(torch.libtorch_version));
        Assert.That(engine.GetProperty("cuda_available").GetBoolean(), Is.EqualTo(torch.cuda.is_available()));

        var ops = report.RootElement.GetProperty("ops").EnumerateArray().ToList();
        Assert.That(ops.Select(o => o.GetProperty("name").GetString()), Is.SupersetOf(s_requiredOps));
        // CPU against CPU from the same seeded inputs: the same kernels, so the same numbers.
        Assert.That(ops.Select(o => o.GetProperty("error").GetDouble()), Has.All.EqualTo(0.0));

        var methods = report.RootElement.GetProperty("methods").EnumerateArray().ToList();
        Assert.That(methods.Select(m => m.GetProperty("key").GetString()), Is.EquivalentTo(MethodRegistry.Default.Keys));
        foreach (var m in methods)
        {
            var key = m.GetProperty("key").GetString();
            Assert.That(m.GetProperty("passed").GetBoolean(), Is.True, key);
            Assert.That(m.GetProperty("leaked_tensors").GetInt64(), Is.Zero, key);
            Assert.That(m.GetProperty("auroc_device").GetDouble(), Is.InRange(0.0, 1.0), key);
            Assert.That(m.GetProperty("images_per_second_batch1").GetDouble(), Is.GreaterThan(0), key);
            Assert.That(m.GetProperty("images_per_second_batch").GetDouble(), Is.GreaterThan(0), key);
            Assert.That(m.GetProperty("settings").GetString(), Does.Contain("weights random").Or.EqualTo("profile quick, epochs 1"), key);
        }
        Assert.That(report.RootElement.GetProperty("passed").GetBoolean(), Is.True);
    }

    [Test]
    public void AComparisonOutsideItsToleranceFailsByNameWithExitCodeOne()
    {
        // A negative tolerance no error can meet stands in for a device whose numbers drift: matmul and PatchCore fail.
        var json = Path.Combine(_folder, "selfcheck.json");
        var registry = new MethodRegistry([AnomalyBench.Methods.PatchCore.PatchCoreMethod.Info]);
        using var writer = new StringWriter();
        var code = AnomalyBench.Harness.Commands.SelfCheckCommand.Execute(registry, Device.CPU, quick: true, json, writer,
            (name, stated) => name is "matmul" or "patchcore" ? -1 : stated);
        var output = writer.ToString();

        Assert.That(code, Is.EqualTo(1));
        Assert.That(output, Does.Contain("selfcheck FAILED: op:matmul, method:patchcore"));
        using var report = JsonDocument.Parse(File.ReadAllText(json));
        var failedOps = report.RootElement.GetProperty("ops").EnumerateArray().Where(o => !o.GetProperty("passed").GetBoolean())
            .Select(o => o.GetProperty("name").GetString());
        Assert.That(failedOps, Is.EqualTo(new[] { "matmul" }));
        var method = report.RootElement.GetProperty("methods")[0];
        Assert.That(method.GetProperty("passed").GetBoolean(), Is.False);
        Assert.That(method.GetProperty("message").GetString(), Does.Contain("image scores differ from CPU's"));
        Assert.That(report.RootElement.GetProperty("failures").EnumerateArray().Select(f => f.GetString()), Is.EqualTo(new[] { "op:matmul", "method:patchcore" }));
    }

    [Test]
    public void AnUnknownDeviceIsABadArgument()
    {
        var (code, _, error) = CliRun.Run("selfcheck", "--device", "gpu");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("unknown device 'gpu'"));
    }

    [Test]
    public void CudaWithoutCudaIsABadArgumentNotAStackTrace()
    {
        if (torch.cuda.is_available()) Assert.Ignore("this machine has CUDA");
        var (code, output, error) = CliRun.Run("selfcheck", "--device", "cuda");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("--device cuda: CUDA is not available here"));
        Assert.That(error + output, Does.Not.Contain("   at "));
    }
}
