namespace AnomalyBench.Metrics;

/// <summary>
/// One metric value, or the reason it is undefined. An undefined metric is NaN and
/// carries its reason ("no anomalous pixels", ...); it is never silently 0 or 0.5,
/// which is what several reference tools return (anomalib returns 0 for AUPRO without
/// regions; MVTec's script divides by zero).
/// </summary>
public readonly record struct MetricValue(double Value, string? UndefinedReason)
{
    public bool IsDefined => UndefinedReason is null;

    public static MetricValue Of(double value) => new(value, null);

    public static MetricValue Undefined(string reason) => new(double.NaN, reason);

    public override string ToString() =>
        IsDefined ? Value.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : $"NaN ({UndefinedReason})";
}
