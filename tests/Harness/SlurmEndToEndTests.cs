using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using AnomalyBench.Harness;
using AnomalyBench.Harness.Reports;
using AnomalyBench.Harness.Runs;
using NUnit.Framework;

namespace AnomalyBench.Tests.Harness;

/// <summary>
/// <c>harness slurm --submit</c> on a real single-node Slurm: munged, slurmctld and slurmd started for this test on
/// localhost with their own configuration, key and ports (nothing under /etc is touched), a 3-task array over a
/// generated data set with PatchCore's quick profile, then the dependent report job. Runs where Debian's slurm-wlm
/// and munge are installed and the test runs as root (CI); skipped with the reason everywhere else.
/// </summary>
[NonParallelizable]
public class SlurmEndToEndTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(8);

    private string _dir = null!;
    private readonly List<string> _pidFiles = [];
    private string? _previousConf;

    [SetUp]
    public void StartSlurm()
    {
        var missing = new[] { "/usr/sbin/munged", "/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/bin/sbatch", "/usr/bin/squeue", "/usr/bin/sinfo" }
            .Where(p => !File.Exists(p)).ToList();
        if (missing.Count > 0) Assert.Ignore($"Slurm is not installed ({string.Join(", ", missing)} missing): apt-get install slurm-wlm munge, as .ci/run does");
        if (!OperatingSystem.IsLinux()) Assert.Ignore("Slurm runs on Linux");
        if (Environment.UserName != "root") Assert.Ignore("a private single-node Slurm needs root (slurmd runs jobs as their users)");

        _dir = Directory.CreateTempSubdirectory("anomalybench-slurm-").FullName;
        foreach (var d in new[] { "munge", "state", "spool", "log" }) Directory.CreateDirectory(Path.Combine(_dir, d));
        var key = Path.Combine(_dir, "munge", "munge.key");
        File.WriteAllBytes(key, System.Security.Cryptography.RandomNumberGenerator.GetBytes(1024));
        if (OperatingSystem.IsLinux()) File.SetUnixFileMode(key, UnixFileMode.UserRead);
        var socket = Path.Combine(_dir, "munge", "munge.sock");
        Start("/usr/sbin/munged", "--force", $"--key-file={key}", $"--socket={socket}", $"--pid-file={Pid("munge", "munged")}",
            $"--log-file={Path.Combine(_dir, "log", "munged.log")}", $"--seed-file={Path.Combine(_dir, "munge", "seed")}");

        var host = Dns.GetHostName().Split('.')[0];
        var conf = Path.Combine(_dir, "slurm.conf");
        File.WriteAllText(conf, $"""
            ClusterName=abtest
            SlurmctldHost={host}(127.0.0.1)
            AuthType=auth/munge
            AuthInfo=socket={socket}
            CredType=cred/munge
            SlurmUser=root
            SlurmdUser=root
            SlurmctldPort={FreePort()}
            SlurmdPort={FreePort()}
            StateSaveLocation={Path.Combine(_dir, "state")}
            SlurmdSpoolDir={Path.Combine(_dir, "spool")}
            SlurmctldPidFile={Pid("state", "slurmctld")}
            SlurmdPidFile={Pid("spool", "slurmd")}
            SlurmctldLogFile={Path.Combine(_dir, "log", "slurmctld.log")}
            SlurmdLogFile={Path.Combine(_dir, "log", "slurmd.log")}
            ProctrackType=proctrack/linuxproc
            TaskPlugin=task/none
            JobAcctGatherType=jobacct_gather/none
            AccountingStorageType=accounting_storage/none
            SchedulerType=sched/builtin
            SelectType=select/cons_tres
            SelectTypeParameters=CR_Core
            ReturnToService=2
            MpiDefault=none
            NodeName={host} NodeAddr=127.0.0.1 CPUs={Environment.ProcessorCount} RealMemory=2000 State=UNKNOWN
            PartitionName=abtest Nodes={host} Default=YES MaxTime=INFINITE State=UP
            """);
        _previousConf = Environment.GetEnvironmentVariable("SLURM_CONF");
        Environment.SetEnvironmentVariable("SLURM_CONF", conf);
        Start("/usr/sbin/slurmctld", "-f", conf);
        Start("/usr/sbin/slurmd", "-f", conf);
        var clock = Stopwatch.StartNew();
        while (!Output("sinfo", "-h", "-o", "%T").Contains("idle", StringComparison.Ordinal))
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(60))
                Assert.Fail($"the test's Slurm did not come up in 60 s; slurmctld log:\n{Tail("slurmctld.log")}\nslurmd log:\n{Tail("slurmd.log")}");
            Thread.Sleep(500);
        }
    }

    [TearDown]
    public void StopSlurm()
    {
        if (_dir is null) return;
        try
        {
            Output("scancel", "--partition=abtest");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
        }
        foreach (var pidFile in Enumerable.Reverse(_pidFiles))
        {
            if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid)) continue;
            try
            {
                using var process = Process.GetProcessById(pid);
                process.Kill();
                process.WaitForExit(10_000);
            }
            catch (ArgumentException)
            {
            }
        }
        Environment.SetEnvironmentVariable("SLURM_CONF", _previousConf);
        Directory.Delete(_dir, recursive: true);
    }

    [Test]
    public void AThreeTaskArrayRunsEveryRunExactlyOnceAndTheReportJobBuildsTheReport()
    {
        var experiment = Path.Combine(_dir, "experiment.yaml");
        File.WriteAllText(experiment, """
            experiment: slurm_e2e
            output: results
            device: cpu
            threads: 1
            seeds: [0]
            report: {bootstrap_replicates: 20}
            datasets:
              - kind: synthetic
                root: cache
                categories: [fabric, tile, wood]
                synthetic: {image_size: 64, train_count: 4, test_count: 6}
            methods:
              - key: patchcore
                profile: quick
                weights: random
                backbone: resnet18
                image_size: 64
                crop: null
            """);
        var (output, error) = (new StringWriter(), new StringWriter());
        var code = Cli.Invoke(["slurm", experiment, "--array-size", "3", "--gpus-per-task", "0", "--cpus-per-task", "1", "--time", "00:15:00", "--submit"],
            output, error);
        Assert.That(code, Is.Zero, error.ToString());
        Assert.That(output.ToString(), Does.Contain("submitted: array job"));

        var clock = Stopwatch.StartNew();
        while (Output("squeue", "-h", "-o", "%i").Trim().Length > 0)
        {
            if (clock.Elapsed > Deadline) Assert.Fail($"the array did not finish in {Deadline}; queue:\n{Output("squeue")}\n{TaskLogs()}");
            Thread.Sleep(1000);
        }

        var layout = new ResultsLayout(Path.Combine(_dir, "results", "slurm_e2e"));
        var logs = TaskLogs();
        var results = ExperimentResults.Load(layout);
        Assert.That(results.Runs.Select(r => r.Result.Category).Order(), Is.EqualTo(new[] { "fabric", "tile", "wood" }), logs);
        foreach (var category in new[] { "fabric", "tile", "wood" })
        {
            var starts = logs.Split('\n').Count(l => l.Contains($"synthetic/{category}/patchcore/seed0", StringComparison.Ordinal) && l.TrimStart().StartsWith('['));
            Assert.That(starts, Is.EqualTo(1), $"{category} ran in exactly one array task:\n{logs}");
        }
        var report = Path.Combine(layout.Report, ReportBuilder.SideBySideFile);
        Assert.That(File.Exists(report), Is.True, logs);
        var reportLog = Directory.GetFiles(Path.Combine(layout.Root, "slurm", "logs"), "report_*.out").Single();
        Assert.That(File.ReadAllText(reportLog), Does.Contain("report of slurm_e2e: 3 finished run(s)"));
    }

    private string TaskLogs()
    {
        var folder = Path.Combine(_dir, "results", "slurm_e2e", "slurm", "logs");
        return Directory.Exists(folder)
            ? string.Join("\n", Directory.GetFiles(folder).Order(StringComparer.Ordinal).Select(f => $"== {Path.GetFileName(f)}\n{File.ReadAllText(f)}"))
            : "(no logs)";
    }

    private string Pid(string folder, string name)
    {
        var path = Path.Combine(_dir, folder, name + ".pid");
        _pidFiles.Add(path);
        return path;
    }

    private string Tail(string log)
    {
        var path = Path.Combine(_dir, "log", log);
        return File.Exists(path) ? string.Join("\n", File.ReadLines(path).TakeLast(20)) : "(none)";
    }

    private static void Start(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) Assert.Fail($"{program} failed ({process.ExitCode}): {stderr}");
    }

    private static string Output(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var stdout = process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return stdout;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
