using System.Globalization;
using System.Text.Json;
using AnomalyBench.Datasets;
using AnomalyBench.Harness.Reports.Figures;
using AnomalyBench.Harness.Runs;
using AnomalyBench.Metrics;
using AnomalyBench.Torch;
using ScottPlot;
using SkiaSharp;
using F = AnomalyBench.Torch.torch.nn.functional;

namespace AnomalyBench.Harness.Reports.Heatmaps;

/// <summary>A written heat-map grid.</summary>
public sealed record HeatmapFile(string Dataset, string Category, string Path, int Images, IReadOnlyList<string> Methods);

/// <summary>
/// Per category, a grid of test images (defects of every type first, round robin over the types, then normal
/// images): the input as the method saw it, its ground-truth contour, and each method's anomaly map (the run of its
/// lowest seed) in ScottPlot's Viridis colour map with the image score. Each method's maps share ONE colour scale, its
/// minimum and maximum over all test images of the category, shown by a labelled colour bar under its column: a map
/// normalised per image would make a clean normal image look as hot as a defect. Composed with SkiaSharp (which
/// ScottPlot brings): a grid of pictures needs no axes, and each cell is the map's own pixels.
/// </summary>
public static class HeatmapGrid
{
    /// <summary>Cells larger than this (evaluation at original resolution) are shrunk to it.</summary>
    public const int MaxCell = 256;

    /// <summary>The colour map of every method's maps.</summary>
    public static readonly IColormap Colormap = new ScottPlot.Colormaps.Viridis();

    /// <summary>The ground-truth contour's colour.</summary>
    public static readonly SKColor Contour = new(255, 40, 40);

    private static readonly SKColor s_missing = new(200, 200, 200);

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
                using var grid = Render(runs, images, out var shown);
                using var png = grid.Encode(SKEncodedImageFormat.Png, 100);
                Directory.CreateDirectory(layout.HeatMaps);
                var path = Path.Combine(layout.HeatMaps, $"{dataset}_{category}.png");
                AtomicFile.WriteAllBytes(path, png.ToArray());
                files.Add(new HeatmapFile(dataset, category, path, shown, runs.Select(r => r.Result.Method).ToList()));
            }
        }
        return files;
    }

    /// <summary>The grid of one category's runs (one per method); the first run's test images choose the rows.</summary>
    public static SKBitmap Render(IReadOnlyList<FinishedRun> runs, int images, out int shown)
    {
        var reference = runs[0].ReadScores();
        var referenceMaps = runs[0].ReadMaps();
        var rows = Select(reference, images);
        shown = rows.Count;
        var first = referenceMaps.Pixels.Images[0];
        var layout = new HeatmapLayout(rows.Count, 2 + runs.Count, Math.Min(MaxCell, Math.Max(first.Height, first.Width)));
        var grid = new SKBitmap(new SKImageInfo(layout.Width, layout.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using var canvas = new SKCanvas(grid);
        canvas.Clear(SKColors.White);
        using var text = new Text(canvas, layout);
        string[] titles = ["input", "ground truth", .. runs.Select(r => r.Result.Method)];
        for (var c = 0; c < titles.Length; c++) text.Draw(titles[c], layout.CellX(c), layout.Baseline(-1), bold: true);

        var preprocessing = PreprocessingOf(runs[0].Result);
        for (var row = 0; row < rows.Count; row++)
        {
            var image = reference[rows[row]];
            var pixels = referenceMaps.Pixels.Images[rows[row]];
            var input = Input(image.Path, preprocessing, pixels.Height, pixels.Width, layout.Cell);
            var (x0, x1, y) = (layout.CellX(0), layout.CellX(1), layout.CellY(row));
            var mask = Resize(pixels.Mask.ToArray(), pixels.Height, pixels.Width, layout.Cell, nearest: true);
            using (var cell = input is null ? Fill(layout.Cell, s_missing) : Picture(input, layout.Cell))
                canvas.DrawBitmap(cell, x0, y);
            using (var cell = input is null ? Fill(layout.Cell, s_missing) : Picture(input, layout.Cell))
            {
                DrawContour(cell, mask);
                canvas.DrawBitmap(cell, x1, y);
            }
            if (input is null) text.Draw("no image", x0 + 2, y + layout.FontSize + 2);
            text.Draw(image.Label == 1 ? image.DefectType : "good", x0, layout.Baseline(row));
        }

        for (var m = 0; m < runs.Count; m++)
        {
            var x = layout.CellX(2 + m);
            var scores = m == 0 ? reference : runs[m].ReadScores();
            var maps = m == 0 ? referenceMaps : runs[m].ReadMaps();
            var byImage = scores.Select((s, i) => (Key: RunStatistics.ImageKey(s.Path), i)).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.First().i, StringComparer.Ordinal);
            var (lo, hi) = Range(maps.Pixels);
            for (var row = 0; row < rows.Count; row++)
            {
                var y = layout.CellY(row);
                if (!byImage.TryGetValue(RunStatistics.ImageKey(reference[rows[row]].Path), out var i))
                {
                    using var missing = Fill(layout.Cell, s_missing);
                    canvas.DrawBitmap(missing, x, y);
                    text.Draw("n/a", x, layout.Baseline(row));
                    continue;
                }
                var map = maps.Pixels.Images[i];
                var values = Resize(map.Map.ToArray(), map.Height, map.Width, layout.Cell, nearest: false);
                using var cell = Colored(values, layout.Cell, lo, hi);
                canvas.DrawBitmap(cell, x, y);
                text.Draw(Number(scores[i].Score), x, layout.Baseline(row));
            }
            ColorBar(canvas, text, layout, x, lo, hi);
        }
        canvas.Flush();
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
    private static void DrawContour(SKBitmap cell, byte[] mask)
    {
        var size = cell.Width;
        bool In(int x, int y) => x >= 0 && y >= 0 && x < size && y < size && mask[y * size + x] > 0;
        for (var y = 0; y < size; y++)
            for (var x = 0; x < size; x++)
                if (In(x, y) && (!In(x - 1, y) || !In(x + 1, y) || !In(x, y - 1) || !In(x, y + 1)))
                    cell.SetPixel(x, y, Contour);
    }

    /// <summary>
    /// A method's colour bar under its column: the colour map from its smallest map value (left) to its largest
    /// (right), the two values and the middle one under it, and what they are.
    /// </summary>
    private static void ColorBar(SKCanvas canvas, Text text, HeatmapLayout layout, int x, double lo, double hi)
    {
        using var bar = new SKBitmap(new SKImageInfo(layout.Cell, HeatmapLayout.ColorBarHeight, SKColorType.Rgba8888, SKAlphaType.Opaque));
        for (var p = 0; p < layout.Cell; p++)
        {
            var color = Colormap.GetColor(p / (double)(layout.Cell - 1)).ToSKColor();
            for (var q = 0; q < HeatmapLayout.ColorBarHeight; q++) bar.SetPixel(p, q, color);
        }
        canvas.DrawBitmap(bar, x, layout.ColorBarY);
        var numbers = layout.Baseline(layout.Rows);
        var (low, high) = (Number(lo), Number(hi));
        text.Draw(low, x, numbers);
        text.Draw(high, x + layout.Cell, numbers, align: SKTextAlign.Right);
        if (text.Width(low) + text.Width(high) + text.Width(Number((lo + hi) / 2)) + 12 < layout.Cell)
            text.Draw(Number((lo + hi) / 2), x + layout.Cell / 2f, numbers, align: SKTextAlign.Center);
        text.Draw("map value", x + layout.Cell / 2f, layout.Baseline(layout.Rows + 1), align: SKTextAlign.Center);
    }

    /// <summary>A cell of the colour map: each value's position between <paramref name="lo"/> and <paramref name="hi"/> (NaN as the bottom).</summary>
    private static SKBitmap Colored(float[] values, int cell, double lo, double hi)
    {
        var bitmap = new SKBitmap(new SKImageInfo(cell, cell, SKColorType.Rgba8888, SKAlphaType.Opaque));
        for (var p = 0; p < values.Length; p++)
        {
            var t = hi > lo && float.IsFinite(values[p]) ? Math.Clamp((values[p] - lo) / (hi - lo), 0, 1) : 0;
            bitmap.SetPixel(p % cell, p / cell, Colormap.GetColor(t).ToSKColor());
        }
        return bitmap;
    }

    /// <summary>A cell of an RGB picture given as uint8 [3, cell, cell].</summary>
    private static SKBitmap Picture(byte[] chw, int cell)
    {
        var bitmap = new SKBitmap(new SKImageInfo(cell, cell, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var plane = cell * cell;
        for (var p = 0; p < plane; p++) bitmap.SetPixel(p % cell, p / cell, new SKColor(chw[p], chw[plane + p], chw[2 * plane + p]));
        return bitmap;
    }

    private static SKBitmap Fill(int cell, SKColor color)
    {
        var bitmap = new SKBitmap(new SKImageInfo(cell, cell, SKColorType.Rgba8888, SKAlphaType.Opaque));
        bitmap.Erase(color);
        return bitmap;
    }

    private static string Number(double value) => value.ToString("G4", CultureInfo.InvariantCulture);

    /// <summary>Text of the grid in DejaVu Sans, shrunk (down to 7 px) and then shortened with an ellipsis to fit one cell.</summary>
    private sealed class Text(SKCanvas canvas, HeatmapLayout layout) : IDisposable
    {
        private const float MinimumSize = 7;
        private readonly SKFont _regular = new(ReportFont.Typeface(), layout.FontSize);
        private readonly SKFont _bold = new(ReportFont.Typeface(bold: true), layout.FontSize);
        private readonly SKPaint _ink = new() { Color = new SKColor(34, 34, 34), IsAntialias = true };

        public float Width(string text) => _regular.MeasureText(text);

        public void Draw(string text, float x, float baseline, bool bold = false, SKTextAlign align = SKTextAlign.Left)
        {
            var font = bold ? _bold : _regular;
            var width = font.MeasureText(text);
            if (width <= layout.Cell)
            {
                canvas.DrawText(text, x, baseline, align, font, _ink);
                return;
            }
            using var smaller = new SKFont(font.Typeface, Math.Max(MinimumSize, font.Size * layout.Cell / width));
            while (text.Length > 1 && smaller.MeasureText(text) > layout.Cell) text = text[..^2] + "…";
            canvas.DrawText(text, x, baseline, align, smaller, _ink);
        }

        public void Dispose()
        {
            _regular.Dispose();
            _bold.Dispose();
            _ink.Dispose();
        }
    }
}
