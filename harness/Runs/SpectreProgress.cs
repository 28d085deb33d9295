using AnomalyBench.Harness.Reports;
using Spectre.Console;

namespace AnomalyBench.Harness.Runs;

/// <summary>Terminal progress: an overall bar for the sweep and one for the current job's phase, with ETA.</summary>
internal sealed class SpectreProgress(ProgressContext context) : ISweepProgress
{
    private ProgressTask? _sweep;
    private ProgressTask? _phase;
    private string _phaseName = "";

    public void SweepStarted(int jobs, int skipped)
    {
        if (skipped > 0) AnsiConsole.MarkupLine($"[grey]{skipped} job(s) already finished: skipped[/]");
        _sweep = context.AddTask("sweep", maxValue: Math.Max(jobs, 1));
    }

    public void JobStarted(int index, TrainingJob job)
    {
        _sweep!.Description = Markup.Escape($"[{index + 1}/{_sweep.MaxValue}] {job}");
        _phase?.StopTask();
        _phase = null;
        _phaseName = "";
    }

    public void Phase(string phase, long done, long total)
    {
        if (phase != _phaseName || _phase is null)
        {
            _phase?.StopTask();
            _phase = context.AddTask(Markup.Escape("  " + phase), maxValue: Math.Max(total, 1));
            _phaseName = phase;
        }
        _phase.Value = done;
    }

    public void JobFinished(int index, TrainingJob job, string outcome)
    {
        _phase?.StopTask();
        _phase = null;
        _sweep!.Increment(1);
        var colour = outcome.StartsWith("FAILED", StringComparison.Ordinal) ? "red" : "green";
        AnsiConsole.MarkupLine($"[{colour}]{Markup.Escape($"{job}: {outcome}")}[/]");
    }

    public void Warning(string message) => AnsiConsole.MarkupLine($"[yellow]warning:[/] {Markup.Escape(message)}");

    public void Note(string message) => AnsiConsole.MarkupLine($"[blue]note:[/] {Markup.Escape(message)}");

    public void Summary(ResultsSummary summary)
    {
        foreach (var t in summary.Tables)
        {
            var table = new Table().Title(Markup.Escape($"{t.Dataset}: I-AUROC / P-AUROC, mean over seeds")).AddColumn("method");
            foreach (var category in t.Categories) table.AddColumn(new TableColumn(Markup.Escape(category)).RightAligned());
            for (var i = 0; i < t.Methods.Count; i++) table.AddRow([Markup.Escape(t.Methods[i]), .. t.Cells[i].Select(Markup.Escape)]);
            AnsiConsole.Write(table);
        }
        AnsiConsole.MarkupLine(Markup.Escape(summary.Weights));
        if (summary.TestSetNote is not null) AnsiConsole.MarkupLine(Markup.Escape(summary.TestSetNote));
    }
}
