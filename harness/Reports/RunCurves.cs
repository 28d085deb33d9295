using System.Text.Json.Nodes;

namespace AnomalyBench.Harness.Reports;

/// <summary>A run's curves.json: point lists by name (image_roc, image_pr, pixel_roc, pixel_pr, pro); non-finite points (written as null) are left out.</summary>
public static class RunCurves
{
    public static IReadOnlyDictionary<string, IReadOnlyList<(double X, double Y)>> Read(string path)
    {
        if (!File.Exists(path)) return new Dictionary<string, IReadOnlyList<(double X, double Y)>>();
        var root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
            ?? throw new InvalidDataException($"{path}: not a curves.json written by this harness (a JSON object of point lists)");
        var curves = new Dictionary<string, IReadOnlyList<(double X, double Y)>>(StringComparer.Ordinal);
        foreach (var (name, node) in root)
        {
            var points = new List<(double X, double Y)>();
            foreach (var point in node as JsonArray ?? [])
            {
                if (point is JsonArray { Count: 2 } xy && xy[0] is JsonValue x && xy[1] is JsonValue y)
                    points.Add((x.GetValue<double>(), y.GetValue<double>()));
            }
            curves[name] = points;
        }
        return curves;
    }
}
