using AnomalyBench.Harness.Reports;

namespace AnomalyBench.Harness.Runs;

/// <summary>What the sweep reports while it runs: the overall plan and the current job's phases.</summary>
public interface ISweepProgress
{
    void SweepStarted(int jobs, int skipped);

    void JobStarted(int index, TrainingJob job);

    /// <summary>The current job's phase ("fit: extract", "epoch 3/10", "predict", "evaluate") and its progress.</summary>
    void Phase(string phase, long done, long total);

    void JobFinished(int index, TrainingJob job, string outcome);

    void Warning(string message);

    /// <summary>Something the user should know that is not a problem (which weights a backbone runs on).</summary>
    void Note(string message);

    /// <summary>The sweep's outcome, from every finished run of the experiment: printed once, at its end.</summary>
    void Summary(ResultsSummary summary);
}

/// <summary>Plain line logs: for CI, redirected output and tests.</summary>
public sealed class LineProgress(TextWriter output) : ISweepProgress
{
    private string _lastPhase = "";
    private int _jobs;

    public void SweepStarted(int jobs, int skipped)
    {
        _jobs = jobs;
        output.WriteLine($"sweep: {jobs} job(s) to run, {skipped} already finished");
    }

    public void JobStarted(int index, TrainingJob job) => output.WriteLine($"[{index + 1}/{_jobs}] {job}");

    public void Phase(string phase, long done, long total)
    {
        // One line per phase, plus its end: enough to follow a CI log without flooding it.
        if (phase != _lastPhase)
        {
            output.WriteLine($"    {phase} ({total})");
            _lastPhase = phase;
        }
    }

    public void JobFinished(int index, TrainingJob job, string outcome)
    {
        _lastPhase = "";
        output.WriteLine($"    {outcome}");
    }

    public void Warning(string message) => output.WriteLine($"warning: {message}");

    public void Note(string message) => output.WriteLine($"note: {message}");

    public void Summary(ResultsSummary summary) => output.Write(summary.ToText());
}
