using System.Diagnostics;
using System.Globalization;
using AnomalyBench.Torch;

namespace AnomalyBench.Harness.Runs;

/// <summary>
/// <c>harness run FILE --workers n</c>: the n shards of a sweep (<see cref="Shard"/>) as n processes of this harness on
/// this machine, each on its share of the cores, then one report over them all.
/// </summary>
/// <remarks>
/// Why processes with a share each rather than one process with every core: the methods' small operations (SSM's
/// 32-px U-Net, ReConPatch's steps on [512, 1024] features) scale poorly past a few threads, and two processes that
/// each run as many OpenMP threads as there are cores wait at every parallel region for a thread the other process
/// holds; with n workers on n-fold as many threads as cores, more so. Measured on the 2-core VM (benchmarks/README.md,
/// issue 23): SSM's steps took 4 times as long in two shards of two threads each as alone, and as long as alone in
/// two shards of one thread each. PyTorch's launcher (torchrun) gives each process one thread by default for the same
/// reason. Fewer threads round reductions and convolutions differently, as another machine would: a worker's results
/// equal those of a run alone with the same thread count, not those of a run alone with every core.
/// </remarks>
internal sealed class LocalShards
{
    private readonly string _configFile;
    private readonly int _workers;
    private readonly int? _configThreads;
    private readonly TextWriter _output;

    public LocalShards(string configFile, int workers, int? configThreads, TextWriter output)
    {
        if (workers < 1) throw new ArgumentException($"--workers must be at least 1, got {workers}");
        _configFile = configFile;
        _workers = workers;
        _configThreads = configThreads;
        _output = output;
    }

    /// <summary>The machine's cores divided among the workers (at least one each).</summary>
    public int Share => Math.Max(1, Environment.ProcessorCount / _workers);

    /// <summary>
    /// Each worker's intra-op threads: the experiment's <c>threads:</c> or the user's ANOMALYBENCH_THREADS where set
    /// (a worker checks that value as any harness process does), else <see cref="Share"/>.
    /// </summary>
    public string ThreadsPerWorker =>
        _configThreads?.ToString(CultureInfo.InvariantCulture) ?? UserThreads ?? Share.ToString(CultureInfo.InvariantCulture);

    private static string? UserThreads => Environment.GetEnvironmentVariable(torch.ThreadsVariable) is { Length: > 0 } text ? text : null;

    /// <summary>Runs the shards to their end; their lines go to the output prefixed with the shard.</summary>
    /// <returns>each shard's exit code, in shard order.</returns>
    public IReadOnlyList<int> Run(bool force, CancellationToken cancellation)
    {
        _output.WriteLine($"{_workers} worker(s) on this machine, {ThreadsPerWorker} intra-op thread(s) each ({Environment.ProcessorCount} cores)");
        var processes = Enumerable.Range(0, _workers).Select(i => Start(new Shard(i, _workers), force)).ToList();
        // Ctrl-C reaches the workers too (one process group): each stops after its current step, as a single sweep does.
        using var registration = cancellation.Register(() => _output.WriteLine("waiting for the workers to stop after their current step..."));
        var codes = new List<int>();
        foreach (var (process, pump) in processes)
        {
            process.WaitForExit();
            pump.Wait(CancellationToken.None);
            codes.Add(process.ExitCode);
            process.Dispose();
        }
        return codes;
    }

    private (Process Process, Task Pump) Start(Shard shard, bool force)
    {
        var start = SelfStart();
        foreach (var argument in new[] { "run", _configFile, "--shard", shard.ToString() }) start.ArgumentList.Add(argument);
        if (force) start.ArgumentList.Add("--force");
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        if (_configThreads is null && UserThreads is null) start.Environment[torch.ThreadsVariable] = Share.ToString(CultureInfo.InvariantCulture);
        // What the engine set in this process's environment at load time is the harness's default, not the user's
        // choice: each worker sets it again and reports it as its own default.
        foreach (var variable in torch.VariablesSetAtStartup) start.Environment.Remove(variable);
        var process = Process.Start(start) ?? throw new IOException($"could not start {start.FileName} for shard {shard}");
        var prefix = $"[{shard}] ";
        var pump = Task.WhenAll(Forward(process.StandardOutput, prefix), Forward(process.StandardError, prefix));
        return (process, pump);
    }

    private async Task Forward(StreamReader reader, string prefix)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            lock (_output) _output.WriteLine(prefix + line);
    }

    /// <summary>This harness again: its apphost, or <c>dotnet harness.dll</c> when it was started that way.</summary>
    private static ProcessStartInfo SelfStart()
    {
        var host = Environment.ProcessPath ?? throw new IOException("cannot tell which executable runs the harness, to start its workers");
        var start = new ProcessStartInfo(host);
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") start.ArgumentList.Add(typeof(LocalShards).Assembly.Location);
        return start;
    }
}
