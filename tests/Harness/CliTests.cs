using AnomalyBench.Harness;
using NUnit.Framework;

namespace AnomalyBench.Tests.Harness;

public class CliTests
{
    private static (int Code, string Output, string Error) Run(params string[] args) => AnomalyBench.Tests.Harness.CliRun.Run(args);

    [Test]
    public void AnUnknownSubcommandFailsAndListsTheValidOnes()
    {
        var (code, output, error) = Run("bogus");
        Assert.That(code, Is.Not.Zero);
        Assert.That(error, Does.Contain("bogus"));
        Assert.That(output, Does.Contain("run").And.Contain("info"));
    }

    [Test]
    public void AYamlFileAloneMeansRun()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}.yaml");
        var (code, _, error) = Run(missing);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("experiment file not found").And.Contain(missing));
    }

    [Test]
    public void InfoReportsTheEngine()
    {
        var (code, output, _) = Run("info");
        Assert.That(code, Is.Zero);
        Assert.That(output, Does.Contain("libtorch").And.Contain("intra-op threads").And.Contain("BLAS"));
    }

    [Test]
    public void DatasetsVerifyReportsSelfReferencingAndDanglingLinksAsErrors()
    {
        // Issue 21 item 6: --verify died with an unhandled IOException on these; run already names the file.
        using var tree = new AnomalyBench.Tests.Datasets.TempTree();
        tree.MVTecCategory("screw");
        var loop = tree.Path("screw", "test", "good", "000.png");
        File.Delete(loop);
        File.CreateSymbolicLink(loop, loop);
        var dangling = tree.Path("screw", "train", "good", "001.png");
        File.Delete(dangling);
        File.CreateSymbolicLink(dangling, tree.Path("no-such-file.png"));
        var (code, output, error) = Run("datasets", tree.Root, "--kind", "mvtec", "--verify");
        Assert.That(code, Is.EqualTo(1), output + error);
        Assert.That(output, Does.Contain($"error: {loop}").And.Contain($"error: {dangling}"), output);
        Assert.That(error, Does.Contain("2 error(s)"));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void AnOutputThatCannotBeWrittenNamesTheOutputField(bool readOnly)
    {
        // Issue 21 item 7: the bare I/O error (or, read-only, a stack trace) did not say which setting to change.
        var dir = Directory.CreateTempSubdirectory("anomalybench-cli-").FullName;
        try
        {
            var path = TinyExperiment.Write(dir, "  - key: fake\n    profile: quick");
            var results = Path.Combine(dir, "results");
            if (readOnly)
            {
                Directory.CreateDirectory(results);
                if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(results, UnixFileMode.UserRead | UnixFileMode.UserExecute);
                if (Environment.UserName == "root") Assert.Ignore("root writes into read-only folders: only the regular-file case can be reproduced");
            }
            else
            {
                File.WriteAllText(results, "a file where the results folder should be");
            }
            var (code, _, error) = CliRun.Run(FakeMethod.Registry, "run", path);
            Assert.That(code, Is.EqualTo(2), error);
            Assert.That(error, Does.Contain($"{path}: output: 'results'").And.Contain("point output: at a folder you can write"));
        }
        finally
        {
            if (!OperatingSystem.IsWindows() && Directory.Exists(Path.Combine(dir, "results")))
                File.SetUnixFileMode(Path.Combine(dir, "results"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void AClosingWriteThatFailsStillPrintsTheSummaryAndFinishesTheManifest()
    {
        // Issue 21 item 7 (a full disk, reproduced without filling one): the report cannot be written. The summary of
        // the runs that did finish is still printed, manifest.json records the end, and the exit code is not 0.
        var dir = Directory.CreateTempSubdirectory("anomalybench-cli-").FullName;
        try
        {
            var path = TinyExperiment.Write(dir, "  - key: fake\n    profile: quick");
            var root = Path.Combine(dir, "results", "tiny");
            Directory.CreateDirectory(root);
            File.WriteAllText(Path.Combine(root, "report"), "a file where the report folder should be");
            var (code, output, error) = CliRun.Run(FakeMethod.Registry, "run", path);
            Assert.That(code, Is.EqualTo(1), output + error);
            Assert.That(output, Does.Contain("I-AUROC").And.Contain("1 job(s) run"), "the summary of the finished run");
            Assert.That(output + error, Does.Contain("report not written").And.Contain("harness report"));
            var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(root, "manifest.json")))!;
            Assert.That(manifest["finished"]?.GetValue<string>(), Is.Not.Null.And.Not.Empty, "the manifest records the end");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

public class MethodsCommandTests
{
    [Test]
    public void ListsEveryFieldWithBothProfilesDefaults()
    {
        var output = new StringWriter();
        var code = AnomalyBench.Harness.Cli.Invoke(["methods", "fake"], FakeMethod.Registry, output, new StringWriter());
        Assert.That(code, Is.Zero);
        var text = output.ToString();
        Assert.That(text, Does.Contain("fake: Fake"));
        Assert.That(text, Does.Match(@"gain\s+1\s+2"));
        Assert.That(text, Does.Match(@"image_size\s+256\s+64"));
    }

    [Test]
    public void AnUnknownMethodListsTheKnownOnes()
    {
        var error = new StringWriter();
        var code = AnomalyBench.Harness.Cli.Invoke(["methods", "nope"], FakeMethod.Registry, new StringWriter(), error);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error.ToString(), Does.Contain("known methods: fake"));
    }

    [Test]
    public void ValidateAndRunRefuseWhatAJobWouldRejectBeforeAnyJobStarts()
    {
        // Issue 21 item 5: run must make these checks before the first job, not after others have trained.
        var dir = Directory.CreateTempSubdirectory("anomalybench-cli-").FullName;
        try
        {
            var path = TinyExperiment.Write(dir, "  - key: fake\n    profile: quick", categories: "[fabric, fabrik]");
            foreach (var command in new[] { "validate", "run" })
            {
                var (code, _, error) = CliRun.Run(FakeMethod.Registry, command, path);
                Assert.That(code, Is.EqualTo(2), $"{command}: {error}");
                Assert.That(error, Does.Contain($"{path}:9:").And.Contain("unknown synthetic category 'fabrik'"), command);
            }
            Assert.That(Directory.Exists(Path.Combine(dir, "results")), Is.False, "nothing ran, nothing was written");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
