using System.Text;

namespace AnomalyBench.Datasets;

/// <summary>
/// A minimal RFC 4180 reader for the data sets' split and label files (VisA's 1cls.csv,
/// APTOS train.csv, ISIC ground truth): comma separated, optional double quotes, a header row.
/// </summary>
internal sealed class Csv
{
    private Csv(string path, IReadOnlyList<string> header, IReadOnlyList<(int Line, string[] Fields)> rows)
    {
        Path = path;
        Header = header;
        Rows = rows;
    }

    public string Path { get; }

    public IReadOnlyList<string> Header { get; }

    /// <summary>Data rows with their 1-based line numbers in the file.</summary>
    public IReadOnlyList<(int Line, string[] Fields)> Rows { get; }

    public static Csv Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"CSV file not found: {path}", path);
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || lines[0].Trim().Length == 0)
            throw new InvalidDataException($"{path}: empty file; expected a header row");
        var header = Split(lines[0].TrimStart('\uFEFF'), path, 1).Select(h => h.Trim()).ToList();
        var rows = new List<(int, string[])>();
        for (var i = 1; i < lines.Length; i++)
        {
            if (lines[i].Trim().Length == 0) continue;
            rows.Add((i + 1, Split(lines[i], path, i + 1)));
        }
        return new Csv(path, header, rows);
    }

    /// <summary>The column index of each name; an error listing the missing names and the header found.</summary>
    public int[] Columns(params string[] names)
    {
        var missing = names.Where(n => !Header.Contains(n, StringComparer.Ordinal)).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"{Path}: column(s) {string.Join(", ", missing)} not in the header '{string.Join(",", Header)}'; expected the columns {string.Join(",", names)}");
        return names.Select(n => Header.ToList().IndexOf(n)).ToArray();
    }

    private static string[] Split(string line, string path, int lineNumber)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }
        if (quoted) throw new InvalidDataException($"{path}:{lineNumber}: unterminated quote");
        fields.Add(field.ToString().TrimEnd('\r'));
        return fields.ToArray();
    }
}
