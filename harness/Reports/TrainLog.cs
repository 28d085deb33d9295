using System.Globalization;

namespace AnomalyBench.Harness.Reports;

/// <summary>A model's train_log.csv (header <c>step,TERM...,lr,seconds</c>): each loss term's value per logged step.</summary>
public sealed record TrainLog(IReadOnlyList<long> Steps, IReadOnlyDictionary<string, IReadOnlyList<double?>> Terms)
{
    /// <summary>Reads the log; null when the file is missing or has no rows (methods without training log nothing).</summary>
    public static TrainLog? Read(string path)
    {
        if (!File.Exists(path)) return null;
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToList();
        if (lines.Count < 2) return null;
        var header = lines[0].Split(',');
        if (header.Length < 3 || header[0] != "step" || header[^2] != "lr" || header[^1] != "seconds")
            throw new InvalidDataException($"{path}: not a train_log.csv written by this harness (header 'step,<loss terms>,lr,seconds')");
        var names = header[1..^2];
        var steps = new List<long>();
        var values = names.ToDictionary(n => n, _ => new List<double?>(), StringComparer.Ordinal);
        for (var i = 1; i < lines.Count; i++)
        {
            var fields = lines[i].Split(',');
            if (fields.Length != header.Length || !long.TryParse(fields[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var step))
                throw new InvalidDataException($"{path}:{i + 1}: expected {header.Length} fields starting with an integer step; got '{lines[i]}'");
            steps.Add(step);
            for (var t = 0; t < names.Length; t++)
                values[names[t]].Add(double.TryParse(fields[t + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null);
        }
        return new TrainLog(steps, values.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<double?>)kv.Value, StringComparer.Ordinal));
    }

    /// <summary>
    /// The loss a plot shows: the method's own total (a term named <c>total</c> or <c>loss</c>), else its only term,
    /// else the sum of its terms at the steps where all are logged; named after what it is.
    /// </summary>
    public (string Name, IReadOnlyList<(double X, double Y)> Points) Loss()
    {
        var name = Terms.Keys.FirstOrDefault(k => k is "total" or "loss") ?? (Terms.Count == 1 ? Terms.Keys.First() : null);
        var points = new List<(double X, double Y)>();
        for (var i = 0; i < Steps.Count; i++)
        {
            double? y = name is not null ? Terms[name][i] : Terms.Values.All(t => t[i] is not null) ? Terms.Values.Sum(t => t[i]!.Value) : null;
            if (y is { } v) points.Add((Steps[i], v));
        }
        return (name ?? "sum of " + string.Join(" + ", Terms.Keys), points);
    }
}
