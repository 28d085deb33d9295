using System.Diagnostics;
using System.Text.Json;
using AnomalyBench.Harness;
using AnomalyBench.Harness.Config;
using AnomalyBench.Harness.Runs;
using NUnit.Framework;

namespace AnomalyBench.Tests.Harness;

/// <summary>Sweeps past one machine: shards of the plan, run locks between processes, and the Slurm scripts.</summary>
public class ShardingTests
{
    private string _dir = null!;

    [SetUp]
    public void MakeDirectory() => _dir = Directory.CreateTempSubdirectory("anomalybench-shard-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    private string Write(string methods, string categories = "[fabric]", string seeds = "[0]") =>
        TinyExperiment.Write(_dir, methods, categories, seeds, extra: "report: {bootstrap_replicates: 10}", experiment: "sharded");

    private static SweepRunner Runner(string path) =>
        new(ConfigLoader.Load(path, FakeMethod.Registry, AnomalyBench.Datasets.DatasetReaders.Kinds), path, FakeMethod.Registry, new LineProgress(TextWriter.Null));

    [Test]
    public void ShardsAreDisjointBalancedAndCoverThePlan()
    {
        var path = Write("  - key: fake\n    profile: quick\n  - key: fake\n    name: other\n    profile: quick", "[fabric, tile, wood]", "[0, 1]");
        var config = ConfigLoader.Load(path, FakeMethod.Registry, AnomalyBench.Datasets.DatasetReaders.Kinds);
        var plan = Planner.PlanWithoutGenerating(config, path).Select(j => j.ToString()).ToList();
        Assert.That(plan, Has.Count.EqualTo(12));
        for (var n = 1; n <= 7; n++)
        {
            var shards = Enumerable.Range(0, n).Select(i => new Shard(i, n).Select(plan)).ToList();
            Assert.That(shards.SelectMany(s => s).Order(), Is.EqualTo(plan.Order()), $"n = {n}: together the shards are the plan, each job once");
            Assert.That(shards.Max(s => s.Count) - shards.Min(s => s.Count), Is.LessThanOrEqualTo(1), $"n = {n}: balanced");
            // Stable: computing a shard again (another machine, another invocation) gives the same jobs.
            Assert.That(new Shard(n - 1, n).Select(plan), Is.EqualTo(shards[n - 1]));
        }
        Assert.That(Shard.Parse("2/3"), Is.EqualTo(new Shard(2, 3)));
        Assert.That(() => Shard.Parse("3/3"), Throws.ArgumentException.With.Message.Contains("between 0 and 2"));
        Assert.That(() => Shard.Parse("1-3"), Throws.ArgumentException.With.Message.Contains("must be i/n"));
        Assert.That(() => Shard.Parse("0/0"), Throws.ArgumentException.With.Message.Contains("at least 1"));
    }

    [Test]
    public void ShardsOfOneSweepRunEveryRunOnceIntoOneResultsTree()
    {
        var path = Write("  - key: fake\n    profile: quick", "[fabric, tile, wood]");
        var (output, error) = (new StringWriter(), new StringWriter());
        var finished = 0;
        for (var i = 0; i < 2; i++)
        {
            var summary = Runner(path).Run(shard: new Shard(i, 2));
            finished += summary.Finished;
        }
        Assert.That(finished, Is.EqualTo(3));
        var results = AnomalyBench.Harness.Reports.ExperimentResults.Load(Runner(path).Layout);
        Assert.That(results.Runs.Select(r => r.Result.Category).Order(), Is.EqualTo(new[] { "fabric", "tile", "wood" }));
        Assert.That(File.ReadAllText(Path.Combine(Runner(path).Layout.Tables, "synthetic_image_auroc.csv")), Does.Contain("wood").And.Contain("fabric"),
            "the last shard's tables merge every shard's runs");
        Assert.That(Directory.Exists(Runner(path).Layout.Report), Is.False, "shards leave the report to harness report");
        Assert.That(Cli.Invoke(["report", Runner(path).Layout.Root], output, error), Is.Zero, error.ToString());
        Assert.That(File.ReadAllText(Path.Combine(Runner(path).Layout.Report, "side_by_side.md")), Does.Contain("wood").And.Contain("fabric"));
        Assert.That(Cli.Invoke(["run", path, "--shard", "2/2"], FakeMethod.Registry, output, error), Is.EqualTo(2));
        Assert.That(error.ToString(), Does.Contain("between 0 and 1"));
    }

    [Test]
    public void TwoProcessesOnTheSameRunOneRunsOneSkips()
    {
        var path = Write("  - key: fake\n    profile: quick\n    fit_milliseconds: 1500");
        var start = new ManualResetEventSlim();
        var summaries = Enumerable.Range(0, 2)
            .Select(_ => Task.Run(() =>
            {
                var runner = Runner(path);
                start.Wait();
                return runner.Run();
            }))
            .ToList();
        start.Set();
        var done = summaries.Select(t => t.Result).ToList();
        Assert.That(done.Sum(s => s.Finished), Is.EqualTo(1), "the run ran once");
        Assert.That(done.Sum(s => s.Locked), Is.EqualTo(1), "the other found it locked and left it");
        var lockFile = Path.Combine(Runner(path).Layout.ModelFolder(Job(path)), RunLock.FileName);
        Assert.That(File.Exists(lockFile), Is.False, "released when the run finished");
    }

    [Test]
    public void AStaleLockIsTakenOverAndALiveOneIsRespected()
    {
        var path = Write("  - key: fake\n    profile: quick");
        var folder = Runner(path).Layout.ModelFolder(Job(path));
        Directory.CreateDirectory(folder);
        var lockFile = Path.Combine(folder, RunLock.FileName);

        // A live holder on this host: a child process that is still running.
        using (var sleeper = Process.Start(new ProcessStartInfo("sleep", "30"))!)
        {
            WriteLock(lockFile, Environment.MachineName, sleeper.Id);
            var held = Runner(path).Run();
            Assert.That((held.Finished, held.Locked), Is.EqualTo((0, 1)));
            sleeper.Kill();
            sleeper.WaitForExit();
            // The same PID, now dead: stale.
            var taken = Runner(path).Run();
            Assert.That((taken.Finished, taken.Locked), Is.EqualTo((1, 0)), "a dead holder's lock is taken over");
        }
        Assert.That(Directory.GetFiles(folder, "run.lock.stale-*"), Has.Length.EqualTo(1), "the stale lock is kept aside for inspection");

        // Another host: its PIDs cannot be checked, so its heartbeat decides.
        WriteLock(lockFile, "other-host", 1);
        Assert.That(RunLock.TryAcquire(folder, out var holder), Is.Null);
        Assert.That(holder!.Host, Is.EqualTo("other-host"));
        File.SetLastWriteTimeUtc(lockFile, DateTime.UtcNow - RunLock.StaleAfter - TimeSpan.FromMinutes(1));
        using var acquired = RunLock.TryAcquire(folder, out _);
        Assert.That(acquired, Is.Not.Null, "a heartbeat older than the stale limit: taken over");
    }

    [Test]
    public void ALockWhosePidWasReusedOnThisHostIsStale()
    {
        // Issue 21 item 1: after a container restart the same host name comes back and the PID of the dead holder may
        // belong to a live process again. A finished sweep with one metrics.json deleted and such a lock must redo the run.
        var path = Write("  - key: fake\n    profile: quick");
        Assert.That(Runner(path).Run().Finished, Is.EqualTo(1));
        var job = Job(path);
        var layout = Runner(path).Layout;
        File.Delete(layout.File(job.Runs.First(), ResultsLayout.MetricsFile));
        var lockFile = Path.Combine(layout.ModelFolder(job), RunLock.FileName);

        // A live PID (this very process) that started after the lock was written: the PID was reused.
        File.WriteAllText(lockFile, JsonSerializer.Serialize(new RunLock.Holder(Environment.MachineName, Environment.ProcessId,
            DateTimeOffset.Now - TimeSpan.FromDays(30))));
        var redone = Runner(path).Run();
        Assert.That((redone.Finished, redone.Locked), Is.EqualTo((1, 0)), "a reused PID does not hold the lock");
        Assert.That(layout.IsFinished(job.Runs.First()), Is.True);

        // PID 1 is always alive; its heartbeat stopped long ago: stale on this host too.
        File.Delete(layout.File(job.Runs.First(), ResultsLayout.MetricsFile));
        WriteLock(lockFile, Environment.MachineName, 1);
        File.SetLastWriteTimeUtc(lockFile, DateTime.UtcNow - RunLock.StaleAfter - TimeSpan.FromMinutes(1));
        var again = Runner(path).Run();
        Assert.That((again.Finished, again.Locked), Is.EqualTo((1, 0)), "a lock whose heartbeat stopped is stale on this host as well");
    }

    [Test]
    public void TheSlurmScriptsAreValidBashAndNameTheArrayAndTheResources()
    {
        var path = Write("  - key: fake\n    profile: quick\n  - key: fake\n    name: other\n    profile: quick", "[fabric, tile]");
        var (output, error) = (new StringWriter(), new StringWriter());
        var code = Cli.Invoke(["slurm", path, "--array-size", "3", "--gpus-per-task", "2", "--time", "01:30:00", "--partition", "gpu", "--mem", "32G"],
            FakeMethod.Registry, output, error);
        Assert.That(code, Is.Zero, error.ToString());
        var folder = Path.Combine(Runner(path).Layout.Root, "slurm");
        var sweep = File.ReadAllText(Path.Combine(folder, "sweep.sbatch"));
        Assert.That(sweep, Does.Contain("#SBATCH --array=0-2\n").And.Contain("#SBATCH --gpus-per-task=2\n").And.Contain("#SBATCH --time=01:30:00\n")
            .And.Contain("#SBATCH --partition=gpu\n").And.Contain("#SBATCH --mem=32G\n").And.Contain("--shard \"${SLURM_ARRAY_TASK_ID}/3\""));
        Assert.That(sweep, Does.Contain($"#SBATCH --output={Path.Combine(folder, "logs")}/%A_%a.out"), "a log per array task");
        Assert.That(Directory.Exists(Path.Combine(folder, "logs")), Is.True, "Slurm does not create the log folder itself");
        var report = File.ReadAllText(Path.Combine(folder, "report.sbatch"));
        Assert.That(report, Does.Contain(" report '" + Runner(path).Layout.Root + "'"));
        Assert.That(output.ToString(), Does.Contain("4 job(s) in 3 shard(s)").And.Contain("--dependency=afterany:"));
        foreach (var script in new[] { "sweep.sbatch", "report.sbatch" })
        {
            using var bash = Process.Start(new ProcessStartInfo("bash", ["-n", Path.Combine(folder, script)]) { RedirectStandardError = true })!;
            var message = bash.StandardError.ReadToEnd();
            bash.WaitForExit();
            Assert.That(bash.ExitCode, Is.Zero, $"{script}: {message}");
        }
        Assert.That(Cli.Invoke(["slurm", path, "--array-size", "0"], FakeMethod.Registry, output, error), Is.EqualTo(2));
        Assert.That(error.ToString(), Does.Contain("--array-size must be at least 1"));
    }

    private static TrainingJob Job(string path)
    {
        var config = ConfigLoader.Load(path, FakeMethod.Registry, AnomalyBench.Datasets.DatasetReaders.Kinds);
        return Planner.PlanWithoutGenerating(config, path)[0];
    }

    private static void WriteLock(string path, string host, int pid) =>
        File.WriteAllText(path, JsonSerializer.Serialize(new RunLock.Holder(host, pid, DateTimeOffset.Now)));
}
