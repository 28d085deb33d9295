namespace AnomalyBench.Harness.Slurm;

/// <summary>
/// Resources of the Slurm job array that runs a sweep: one shard of the plan per array task.
/// </summary>
/// <param name="ArraySize">Array tasks = shards (default: one per training job of the plan).</param>
/// <param name="GpusPerTask">GPUs per array task (0 for a CPU sweep).</param>
/// <param name="CpusPerTask">CPU cores per array task (data loading and CPU methods).</param>
/// <param name="Time">Wall-time limit per array task, Slurm's format (e.g. 24:00:00).</param>
/// <param name="Partition">The partition, or null for the cluster's default.</param>
/// <param name="Memory">Memory per task, Slurm's format (e.g. 64G), or null for the default.</param>
/// <param name="MaxConcurrent">At most this many array tasks at once (<c>%N</c>), or null for no limit.</param>
public sealed record SlurmOptions(
    int ArraySize,
    int GpusPerTask = 1,
    int CpusPerTask = 8,
    string Time = "24:00:00",
    string? Partition = null,
    string? Memory = null,
    int? MaxConcurrent = null)
{
    public void Validate()
    {
        if (ArraySize < 1) throw new ArgumentException($"--array-size must be at least 1, got {ArraySize}");
        if (GpusPerTask < 0) throw new ArgumentException($"--gpus-per-task must be 0 or more, got {GpusPerTask}");
        if (CpusPerTask < 1) throw new ArgumentException($"--cpus-per-task must be at least 1, got {CpusPerTask}");
        if (string.IsNullOrWhiteSpace(Time) || Time.Any(char.IsWhiteSpace)) throw new ArgumentException($"--time must be a Slurm time such as 24:00:00, got '{Time}'");
        if (Partition is { } p && (p.Length == 0 || p.Any(c => char.IsWhiteSpace(c) || c == '\'')))
            throw new ArgumentException($"--partition '{Partition}' is not a partition name");
        if (MaxConcurrent is < 1) throw new ArgumentException($"--max-concurrent must be at least 1, got {MaxConcurrent}");
    }
}
