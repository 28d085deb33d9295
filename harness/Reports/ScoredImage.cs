using System.Globalization;
using System.Text;

namespace AnomalyBench.Harness.Reports;

/// <summary>One row of a run's scores.csv: the test image, its label (1 = anomalous), its defect type and the method's score.</summary>
public sealed record ScoredImage(string Path, byte Label, string DefectType, double Score)
{
    /// <summary>Reads scores.csv (header <c>path,label,defect_type,score</c>; RFC 4180 quoting).</summary>
    public static IReadOnlyList<ScoredImage> ReadCsv(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: the run has no scores file; run it again (harness run --force) to write one", path);
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || lines[0] != "path,label,defect_type,score")
            throw new InvalidDataException($"{path}: not a scores.csv written by this harness (header 'path,label,defect_type,score')");
        var rows = new List<ScoredImage>(lines.Length - 1);
        for (var i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            var fields = Fields(lines[i]);
            if (fields.Count != 4
                || !byte.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var label) || label > 1
                || !double.TryParse(fields[3], NumberStyles.Float, CultureInfo.InvariantCulture, out var score))
                throw new InvalidDataException($"{path}:{i + 1}: expected path,label (0/1),defect_type,score; got '{lines[i]}'");
            rows.Add(new ScoredImage(fields[0], label, fields[2], score));
        }
        return rows;
    }

    private static List<string> Fields(string line)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c != '"') field.Append(c);
                else if (i + 1 < line.Length && line[i + 1] == '"') field.Append(line[++i]);
                else quoted = false;
            }
            else if (c == '"') quoted = true;
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else field.Append(c);
        }
        fields.Add(field.ToString());
        return fields;
    }
}
