using System.Text.Json.Nodes;
using AnomalyBench.Torch;
using NUnit.Framework;

namespace AnomalyBench.Tests.Harness;

/// <summary>
/// OpenBLAS must run on libgomp's threads (Debian's libopenblas0-openmp, loaded ahead of libtorch) unless the user chose,
/// with bit-identical results. The choice is made when the process loads the engine, so each case starts the harness.
/// </summary>
public class OpenBlasThreadingTests
{
    private string _dir = null!;

    [SetUp]
    public void MakeDirectory() => _dir = Directory.CreateTempSubdirectory("anomalybench-openblas-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void TheOpenMpBuildRunsByDefault()
    {
        RequireBuild(OpenBlasThreading.OpenMp);
        var output = Harness(["info"], new() { [OpenBlasThreading.ChoiceVariable] = null });
        Assert.That(output, Does.Contain($"BLAS {OpenBlasThreading.DebianFolder(OpenBlasThreading.OpenMp)}/"), "libtorch's sgemm_ comes from the OpenMP build");
        Assert.That(output, Does.Contain("BLAS threads: OpenMP (libtorch's threads) (loaded by the harness"));
    }

    [Test]
    public void ThePthreadsBuildOnRequest()
    {
        RequireBuild(OpenBlasThreading.Pthread);
        var output = Harness(["info"], new() { [OpenBlasThreading.ChoiceVariable] = OpenBlasThreading.Pthread });
        Assert.That(output, Does.Contain($"BLAS {OpenBlasThreading.DebianFolder(OpenBlasThreading.Pthread)}/"));
        Assert.That(output, Does.Contain("BLAS threads: pthreads (a thread pool of its own)"));
    }

    [Test]
    public void TheSystemsChoiceOnRequest()
    {
        var output = Harness(["info"], new() { [OpenBlasThreading.ChoiceVariable] = OpenBlasThreading.SystemChoice });
        Assert.That(output, Does.Contain($"(the system's: {OpenBlasThreading.ChoiceVariable}={OpenBlasThreading.SystemChoice}"));
    }

    [Test]
    public void AnUnknownChoiceNamesTheVariable()
    {
        var (code, output, error) = HarnessProcess.Run(["info"], new() { [OpenBlasThreading.ChoiceVariable] = "mkl" });
        Assert.That(code, Is.Not.Zero, output);
        Assert.That(error, Does.Contain("error: ANOMALYBENCH_OPENBLAS='mkl' is not 'openmp', 'pthread' or 'system'"));
        Assert.That(error, Does.Not.Contain("   at "), "the message, not a stack trace");
    }

    /// <summary>
    /// The same sweep under the OpenMP and the pthreads build: every score and every anomaly map bit for bit. CFA's
    /// training and distances and PatchCore's nearest-neighbour search are matrix products, so they run on OpenBLAS.
    /// Both runs get the same kernels (OpenBLAS's own choice, <see cref="OpenBlasCoreType"/>), which is what makes
    /// bit-identity the right bar.
    /// </summary>
    [Test]
    public void BothBuildsGiveBitIdenticalResults()
    {
        RequireBuild(OpenBlasThreading.OpenMp);
        RequireBuild(OpenBlasThreading.Pthread);
        var runs = new[] { OpenBlasThreading.OpenMp, OpenBlasThreading.Pthread }.Select(build =>
        {
            var dir = Directory.CreateDirectory(Path.Combine(_dir, build)).FullName;
            var path = TinyExperiment.Write(dir, """
                  - key: patchcore
                    profile: quick
                    backbone: resnet18
                    weights: random
                  - key: cfa
                    profile: quick
                    weights: random
                """);
            Harness(["run", path], new() { [OpenBlasThreading.ChoiceVariable] = build });
            return Path.Combine(dir, "results", "tiny");
        }).ToArray();

        var manifests = runs.Select(r => JsonNode.Parse(File.ReadAllText(Path.Combine(r, "manifest.json")))!["blas_config"]!.GetValue<string>()).ToArray();
        Assert.That(manifests[0], Does.Contain("USE_OPENMP").And.Contain("OpenMP"), "the first run used the OpenMP build");
        Assert.That(manifests[1], Does.Not.Contain("USE_OPENMP").And.Contain("pthreads"), "the second run used the pthreads build");

        var files = Directory.GetFiles(runs[0], "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) is "scores.csv" or "maps.safetensors")
            .Select(f => Path.GetRelativePath(runs[0], f)).Order().ToArray();
        Assert.That(files.Count(f => f.EndsWith("scores.csv", StringComparison.Ordinal)), Is.EqualTo(2), string.Join(", ", files));
        foreach (var file in files)
            Assert.That(Content(runs[1], file), Is.EqualTo(Content(runs[0], file)), file);
    }

    // scores.csv without its first column, the image's path (each run generated its data set in its own folder).
    private static byte[] Content(string run, string file) =>
        file.EndsWith(".csv", StringComparison.Ordinal)
            ? System.Text.Encoding.UTF8.GetBytes(string.Join('\n', File.ReadAllLines(Path.Combine(run, file)).Select(line => line[(line.IndexOf(',') + 1)..])))
            : File.ReadAllBytes(Path.Combine(run, file));

    private static void RequireBuild(string build)
    {
        var folder = OpenBlasThreading.DebianFolder(build);
        if (folder is null || !File.Exists(Path.Combine(folder, "libopenblas.so.0")))
            Assert.Fail($"libopenblas0-{build} is not installed ({folder}); .ci/run installs it: apt-get install libopenblas0-{build}");
    }

    private static string Harness(string[] arguments, Dictionary<string, string?> environment) =>
        HarnessProcess.Succeed(arguments, environment).Output;
}
