using ScottPlot;

namespace AnomalyBench.Harness.Reports;

/// <summary>
/// One colour per method for every figure of an experiment: the Okabe–Ito colour-blind-safe palette (Okabe &amp; Ito,
/// "Color Universal Design", 2008), assigned in method order; yellow comes last because it is faint on white.
/// More methods than colours start the palette again.
/// </summary>
public sealed class MethodPalette
{
    public static readonly IReadOnlyList<string> Colors = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442"];

    private readonly Dictionary<string, Color> _colors = new(StringComparer.Ordinal);

    public MethodPalette(IEnumerable<string> methods)
    {
        foreach (var method in methods.Distinct())
            _colors[method] = ScottPlot.Color.FromHex(Colors[_colors.Count % Colors.Count]);
    }

    /// <summary>The palette of an experiment: its methods in the order of the run folders, across all data sets.</summary>
    public static MethodPalette Of(ExperimentResults results) => new(results.Runs.Select(r => r.Result.Method));

    public Color Color(string method) =>
        _colors.TryGetValue(method, out var c) ? c : throw new ArgumentException($"method '{method}' has no colour: build the palette from every method of the experiment");
}
