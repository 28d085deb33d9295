using System.Globalization;
using System.Text.Json;
using AnomalyBench.Datasets;
using AnomalyBench.Harness.Runs;
using AnomalyBench.Metrics;
using AnomalyBench.Torch;
using F = AnomalyBench.Torch.torch.nn.functional;

namespace AnomalyBench.Harness.Reports.Heatmaps;

/// <summary>A written heat-map grid.</summary>
public sealed record HeatmapFile(string Dataset, string Category, string Path, int Images, IReadOnlyList<string> Methods);

/// <summary>
/// Per category, a grid of test images (defects of every type first, round robin over the types, then normal
/// images): the input as the method saw it, its ground-truth contour, and each method's anomaly map (the run of its
/// lowest seed) with the image score. Each method's maps share ONE colour scale, its minimum and maximum over all
/// test images of the category: a map normalised per image would make a clean normal image look as hot as a defect.
/// </summary>
public static class HeatmapGrid
{
    /// <summary>Cells larger than this (evaluation at original resolution) are shrunk to it.</summary>
    public const int MaxCell = 256;

    private static readonly (byte, byte, byte) s_white = (255, 255, 255);
    private static readonly (byte, byte, byte) s_black = (0, 0, 0);
    private static readonly (byte, byte, byte) s_missing = (200, 200, 200);
    private static readonly (byte, byte, byte) s_contour = (255, 40, 40);

    /// <summary>Writes <c>heatmaps/DATASET_CATEGORY.png</c> for every category with <paramref name="images"/> test images each.</summary>
    public static IReadOnlyList<HeatmapFile> Write(ExperimentResults results, int images, ResultsLayout layout)
    {
        var files = new List<HeatmapFile>();
        if (images < 1) return files;
        foreach (var dataset in results.Datasets)
        {
            foreach (var category in results.Categories(dataset))
            {
                var runs = ReportPlots.LowestSeedRuns(results, dataset, category);
                if (runs.Count == 0 || runs[0].Result.Counts.Test == 0) continue;
                var grid = Render(runs, images, out var shown);
                Directory.CreateDirectory(layout.HeatMaps);
                var path = Path.Combine(layout.HeatMaps, $"{dataset}_{category}.png");
                AtomicFile.WriteAllBytes(path, grid.EncodePng());
                files.Add(new HeatmapFile(dataset, category, path, shown, runs.Select(r => r.Result.Method).ToList()));
            }
        }
        return files;
    }

    /// <summary>The grid of one category's runs (one per method); the first run's test images choose the rows.</summary>
    public static RgbImage Render(IReadOnlyList<FinishedRun> runs, int images, out int shown)
    {
        var reference = runs[0].ReadScores();
        var referenceMaps = runs[0].ReadMaps();
        var rows = Select(reference, images);
        shown = rows.Count;
        var first = referenceMaps.Pixels.Images[0];
        var layout = new HeatmapLayout(rows.Count, 2 + runs.Count, Math.Min(MaxCell, Math.Max(first.Height, first.Width)));
        var grid = new RgbImage(layout.Width, layout.Height, s_white);
        var titles = new List<string> { "INPUT", "GROUND TRUTH" };
        titles.AddRange(runs.Select(r => r.Result.Method));
        for (var c = 0; c < titles.Count; c++) grid.Text(layout.Fit(titles[c]), layout.CellX(c), 3, layout.Scale, s_black);

        var preprocessing = PreprocessingOf(runs[0].Result);
        for (var row = 0; row < rows.Count; row++)
        {
            var image = reference[rows[row]];
            var pixels = referenceMaps.Pixels.Images[rows[row]];
            var input = Input(image.Path, preprocessing, pixels.Height, pixels.Width, layout.Cell);
            var (x0, x1, y) = (layout.CellX(0), layout.CellX(1), layout.CellY(row));
            if (input is null)
            {
                grid.Fill(x0, y, layout.Cell, layout.Cell, s_missing);
                grid.Fill(x1, y, layout.Cell, layout.Cell, s_missing);
                grid.Text(layout.Fit("NO IMAGE"), x0 + 2, y + 2, layout.Scale, s_black);
            }
            else
            {
                grid.Draw(input, layout.Cell, layout.Cell, x0, y);
                grid.Draw(input, layout.Cell, layout.Cell, x1, y);
            }
            DrawContour(grid, Resize(pixels.Mask.ToArray(), pixels.Height, pixels.Width, layout.Cell, nearest: true), layout.Cell, x1, y);
            grid.Text(layout.Fit(image.Label == 1 ? image.DefectType : "GOOD"), x0, layout.CaptionY(row), layout.Scale, s_black);
        }

        for (var m = 0; m < runs.Count; m++)
        {
            var column = 2 + m;
            var x = layout.CellX(column);
            var scores = m == 0 ? reference : runs[m].ReadScores();
            var maps = m == 0 ? referenceMaps : runs[m].ReadMaps();
            var byImage = scores.Select((s, i) => (Key: RunStatistics.ImageKey(s.Path), i)).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.First().i, StringComparer.Ordinal);
            var (lo, hi) = Range(maps.Pixels);
            for (var row = 0; row < rows.Count; row++)
            {
                var y = layout.CellY(row);
                if (!byImage.TryGetValue(RunStatistics.ImageKey(reference[rows[row]].Path), out var i))
                {
                    grid.Fill(x, y, layout.Cell, layout.Cell, s_missing);
                    grid.Text("N/A", x, layout.CaptionY(row), layout.Scale, s_black);
                    continue;
                }
                var map = maps.Pixels.Images[i];
                var values = Resize(map.Map.ToArray(), map.Height, map.Width, layout.Cell, nearest: false);
                for (var p = 0; p < values.Length; p++)
                    grid[x + p % layout.Cell, y + p / layout.Cell] = Viridis.Color(hi > lo ? (values[p] - lo) / (hi - lo) : 0);
                grid.Text(layout.Fit(Number(scores[i].Score)), x, layout.CaptionY(row), layout.Scale, s_black);
            }
            for (var p = 0; p < layout.Cell; p++)
                grid.Fill(x + p, layout.ColorBarY, 1, HeatmapLayout.ColorBarHeight, Viridis.Color(p / (double)(layout.Cell - 1)));
            var top = Number(hi);
            grid.Text(Number(lo), x, layout.CaptionY(rows.Count), layout.Scale, s_black);
            grid.Text(top, x + layout.Cell - BitmapFont.Width(top, layout.Scale), layout.CaptionY(rows.Count), layout.Scale, s_black);
        }
        return grid;
    }

    /// <summary>
    /// Up to <paramref name="count"/> rows: anomalous images round robin over their defect types (so every type shows
    /// when there is room), then normal ones, of which a quarter of the rows (at least one) are kept.
    /// </summary>
    public static IReadOnlyList<int> Select(IReadOnlyList<ScoredImage> images, int count)
    {
        var types = images.Select((s, i) => (s, i)).Where(p => p.s.Label == 1).GroupBy(p => p.s.DefectType).Select(g => g.Select(p => p.i).ToList()).ToList();
        var normal = images.Select((s, i) => (s, i)).Where(p => p.s.Label == 0).Select(p => p.i).ToList();
        var anomalous = types.Sum(t => t.Count);
        var defects = Math.Min(anomalous, count - Math.Min(normal.Count, Math.Max(1, count / 4)));
        var rows = new List<int>(count);
        for (var round = 0; rows.Count < defects; round++)
            rows.AddRange(types.Where(t => round < t.Count).Select(t => t[round]).Take(defects - rows.Count));
        rows.AddRange(normal.Take(count - rows.Count));
        return rows;
    }

    /// <summary>The smallest and largest finite map value of a method's test images: its one colour scale for the category.</summary>
    private static (double Lo, double Hi) Range(PixelSet pixels)
    {
        var (lo, hi) = (double.PositiveInfinity, double.NegativeInfinity);
        foreach (var image in pixels.Images)
        {
            foreach (var v in image.Map.Span)
            {
                if (!float.IsFinite(v)) continue;
                lo = Math.Min(lo, v);
                hi = Math.Max(hi, v);
            }
        }
        return double.IsFinite(lo) ? (lo, hi) : (0, 0);
    }

    /// <summary>The test image as the method saw it (its preprocessing's resize and crop when the maps are at the method's input size), as uint8 [3, cell, cell].</summary>
    private static byte[]? Input(string path, Preprocessing? preprocessing, int height, int width, int cell)
    {
        if (!File.Exists(path)) return null;
        using var scope = torch.NewDisposeScope();
        var rgb = ImagePipeline.ReadRgb(path);
        var aligned = preprocessing is { } p && p.OutputSize == height && height == width
            ? new ImagePipeline(p).ResizeAndCrop(rgb)
            : ImagePipeline.ResizeBilinearAntialiased(rgb, height, width);
        if (height != cell || width != cell) aligned = ImagePipeline.ResizeBilinearAntialiased(aligned, cell, cell);
        return aligned.contiguous().data<byte>();
    }

    private static Preprocessing? PreprocessingOf(RunResult run)
    {
        try
        {
            return run.Options["preprocessing"]?.Deserialize<Preprocessing>(RunResult.Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static T[] Resize<T>(T[] values, int height, int width, int cell, bool nearest) where T : unmanaged
    {
        if (height == cell && width == cell) return values;
        using var scope = torch.NewDisposeScope();
        var t = torch.from_array(values, [1, 1, height, width]).to(ScalarType.Float32);
        var resized = F.interpolate(t, [cell, cell], mode: nearest ? "nearest" : "bilinear", align_corners: nearest ? null : false);
        return resized.to(typeof(T) == typeof(byte) ? ScalarType.Byte : ScalarType.Float32).contiguous().data<T>();
    }

    /// <summary>Marks the mask's boundary: mask pixels with a 4-neighbour outside the mask or on the cell's edge.</summary>
    private static void DrawContour(RgbImage grid, byte[] mask, int cell, int x0, int y0)
    {
        bool In(int x, int y) => x >= 0 && y >= 0 && x < cell && y < cell && mask[y * cell + x] > 0;
        for (var y = 0; y < cell; y++)
            for (var x = 0; x < cell; x++)
                if (In(x, y) && (!In(x - 1, y) || !In(x + 1, y) || !In(x, y - 1) || !In(x, y + 1)))
                    grid[x0 + x, y0 + y] = s_contour;
    }

    private static string Number(double value) => value.ToString("G4", CultureInfo.InvariantCulture);
}
