using System.Diagnostics;
using System.Globalization;
using System.Text;
using AnomalyBench.Methods;

namespace AnomalyBench.Harness.Runs;

/// <summary>Collects a method's training log (train_log.csv: step, each loss term, learning rate, seconds) and forwards progress.</summary>
internal sealed class RunLog(ISweepProgress progress) : ITrainingLog
{
    private readonly List<(long Step, IReadOnlyDictionary<string, double> Losses, double Lr, double Seconds)> _rows = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public void Step(long step, IReadOnlyDictionary<string, double> losses, double learningRate) =>
        _rows.Add((step, new Dictionary<string, double>(losses), learningRate, _clock.Elapsed.TotalSeconds));

    public void Progress(string phase, long done, long total) => progress.Phase(phase, done, total);

    public string ToCsv()
    {
        var terms = _rows.SelectMany(r => r.Losses.Keys).Distinct().ToList();
        var sb = new StringBuilder();
        sb.Append("step");
        foreach (var t in terms) sb.Append(',').Append(t);
        sb.Append(",lr,seconds\n");
        foreach (var (step, losses, lr, seconds) in _rows)
        {
            sb.Append(step.ToString(CultureInfo.InvariantCulture));
            foreach (var t in terms) sb.Append(',').Append(losses.TryGetValue(t, out var v) ? v.ToString("R", CultureInfo.InvariantCulture) : "");
            sb.Append(',').Append(lr.ToString("R", CultureInfo.InvariantCulture));
            sb.Append(',').Append(seconds.ToString("0.###", CultureInfo.InvariantCulture)).Append('\n');
        }
        return sb.ToString();
    }
}
