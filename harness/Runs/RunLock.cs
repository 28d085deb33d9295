using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace AnomalyBench.Harness.Runs;

/// <summary>
/// The lock that keeps two shards, or two submissions of a sweep, from running the same training job at once: a
/// file created atomically (<see cref="FileMode.CreateNew"/>, O_CREAT|O_EXCL, also on NFS v3+) in the job's model
/// folder, holding the host, PID and start time, and touched every <see cref="HeartbeatInterval"/> while the job
/// runs. A lock is stale when its heartbeat is older than <see cref="StaleAfter"/> or, on the same host, when its
/// process is gone or its PID now belongs to a process started after the lock was written; a stale lock is taken over
/// by renaming it away first, which only one contender can do.
/// </summary>
public sealed class RunLock : IDisposable
{
    public const string FileName = "run.lock";

    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(10);

    private readonly string _path;
    private readonly Timer _heartbeat;
    private bool _released;

    private RunLock(string path)
    {
        _path = path;
        _heartbeat = new Timer(_ => Touch(), null, HeartbeatInterval, HeartbeatInterval);
    }

    /// <summary>What a lock file says: who holds it, since when.</summary>
    public sealed record Holder(string Host, int Pid, DateTimeOffset Started);

    /// <summary>Takes the lock of <paramref name="folder"/>, or returns null with the holder when a live process has it.</summary>
    public static RunLock? TryAcquire(string folder, out Holder? heldBy)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, FileName);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    JsonSerializer.Serialize(stream, new Holder(Environment.MachineName, Environment.ProcessId, DateTimeOffset.Now));
                }
                heldBy = null;
                return new RunLock(path);
            }
            catch (IOException) when (File.Exists(path))
            {
                var holder = Read(path);
                if (holder is not null ? !IsStale(path, holder) : IsFresh(path))
                {
                    // Held by a live process, or just created and not yet written by one.
                    heldBy = holder;
                    return null;
                }
                // Stale (or unreadable, i.e. a writer that died mid-write): move it aside; only one contender succeeds.
                try
                {
                    File.Move(path, $"{path}.stale-{Guid.NewGuid():N}");
                }
                catch (IOException)
                {
                }
            }
        }
        heldBy = Read(path);
        return null;
    }

    /// <summary>Whether <paramref name="holder"/>'s lock at <paramref name="path"/> no longer protects a running job.</summary>
    /// <remarks>
    /// A live PID alone does not prove the holder lives: after a container restart the host name comes back and PIDs
    /// are handed out again from the start, so the dead holder's PID often belongs to another process (issue 21). On
    /// this host a lock is therefore also stale when its heartbeat stopped, or when the process now behind the PID
    /// started after the lock was written (the holder writes <see cref="Holder.Started"/> after its own start).
    /// </remarks>
    public static bool IsStale(string path, Holder holder)
    {
        var heartbeatStopped = DateTime.UtcNow - File.GetLastWriteTimeUtc(path) > StaleAfter;
        if (holder.Host != Environment.MachineName) return heartbeatStopped;
        return heartbeatStopped || !IsAlive(holder.Pid, holder.Started);
    }

    private static bool IsFresh(string path) => DateTime.UtcNow - File.GetLastWriteTimeUtc(path) < TimeSpan.FromSeconds(30);

    /// <summary>
    /// Slack between a process's start time as the system reports it (clock ticks since boot) and the wall clock the
    /// holder wrote; a PID reused within this long after a lock was written goes unnoticed until the heartbeat stops.
    /// </summary>
    private static readonly TimeSpan s_startSlack = TimeSpan.FromSeconds(5);

    /// <summary>Whether <paramref name="pid"/> is the process that wrote a lock at <paramref name="lockStarted"/>.</summary>
    private static bool IsAlive(int pid, DateTimeOffset lockStarted)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            if (process.HasExited) return false;
            return process.StartTime.ToUniversalTime() <= lockStarted.UtcDateTime + s_startSlack;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            // The start time cannot be read (another user's process): alive, and the heartbeat decides.
            return true;
        }
    }

    private static Holder? Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<Holder>(File.ReadAllText(path));
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return null;
        }
    }

    private void Touch()
    {
        try
        {
            File.SetLastWriteTimeUtc(_path, DateTime.UtcNow);
        }
        catch (IOException)
        {
        }
    }

    public void Dispose()
    {
        if (_released) return;
        _released = true;
        _heartbeat.Dispose();
        try
        {
            File.Delete(_path);
        }
        catch (IOException)
        {
        }
    }

    public override string ToString() => _path;

    /// <summary>"host pid 1234 since 2026-11-23T10:00:00" for messages.</summary>
    public static string Describe(Holder? holder) =>
        holder is null ? "another process" : $"{holder.Host} pid {holder.Pid} since {holder.Started.ToString("s", CultureInfo.InvariantCulture)}";
}
