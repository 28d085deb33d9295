using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using AnomalyBench.Datasets;
using AnomalyBench.Harness.Reports;
using AnomalyBench.Harness.Reports.Heatmaps;
using AnomalyBench.Harness.Reports.Figures;
using AnomalyBench.Harness.Runs;
using AnomalyBench.Torch;
using NUnit.Framework;
using ScottPlot.Plottables;
using SkiaSharp;

namespace AnomalyBench.Tests.Harness;

/// <summary>
/// The report's figures on the finished fake experiment of <see cref="ReportTests"/> (two methods, two categories, two seeds): the ScottPlot plots
/// (bar values and errors, one series per method, colours), their SVG and PNG files (text, decoding, size), heat-map grids (size, one colour scale per
/// method) and report.html in headless Chromium.
/// </summary>
[NonParallelizable]
public class ReportFigureTests
{
    private static readonly XNamespace s_svg = "http://www.w3.org/2000/svg";
    private string _dir = null!;
    private ResultsLayout _layout = null!;
    private ExperimentResults _results = null!;

    [OneTimeSetUp]
    public void RunFakeExperiment()
    {
        _dir = Directory.CreateTempSubdirectory("anomalybench-figures-").FullName;
        var runner = ReportTests.RunFakeExperiment(_dir);
        _layout = runner.Layout;
        // The fake method scores alike with every seed: one run's I-AUROC is lowered so that a bar has a std to show.
        // (After the sweep's report: its files are not compared with these numbers.)
        var metrics = ExperimentResults.Load(_layout).Find("synthetic", "fabric", "fake", 1)!.File(ResultsLayout.MetricsFile);
        var json = JsonNode.Parse(File.ReadAllText(metrics))!;
        json["metrics"]!["image_auroc"] = json["metrics"]!["image_auroc"]!.GetValue<double>() - 0.1;
        File.WriteAllText(metrics, json.ToJsonString());
        _results = ExperimentResults.Load(_layout);
    }

    [OneTimeTearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    private IReadOnlyList<ReportPlot> Plots() => ReportPlots.Build(_results, MethodPalette.Of(_results));

    /// <summary>Each method's series of a figure: its legend text and colour (bars' fill, lines' and points' colour); unnamed and reference plottables left out.</summary>
    private static List<(string Name, ScottPlot.Color Color)> Series(ScottPlot.Plot figure) =>
        figure.GetPlottables().Select(p => p switch
        {
            BarPlot bars => (bars.LegendText, bars.Bars[0].FillColor),
            Scatter scatter => (scatter.LegendText, scatter.Color),
            _ => ("", default(ScottPlot.Color)),
        }).Where(s => s.Item1 is { Length: > 0 } && s.Item1 != "Pareto front").ToList();

    [Test]
    public void TheExperimentsMetricBarsShowTheMeanAndStdOverSeedsOfEveryMethodAndCategoryAndTheSvgNamesEveryMethod()
    {
        var palette = MethodPalette.Of(_results);
        var plot = Plots().Single(p => p.Name == "synthetic_image_auroc_bars");
        var bars = plot.Figure.GetPlottables<BarPlot>().ToList();
        Assert.That(bars.Select(b => b.LegendText), Is.EqualTo(new[] { "dim", "fake" }));
        foreach (var series in bars)
        {
            var method = series.LegendText;
            var values = new[] { "fabric", "tile" }.Select(c => _results.Of("synthetic", c, method).Select(r => r.Metric("image_auroc")!.Value).ToList()).ToList();
            Assert.That(values.Select(v => v.Count), Is.All.EqualTo(2), "two seeds per category");
            var means = values.Select(v => v.Average()).ToList();
            // Sample standard deviation of two values: |a - b| / sqrt 2.
            var stds = values.Select(v => Math.Abs(v[0] - v[1]) / Math.Sqrt(2)).ToList();
            Assert.That(series.Bars.Select(b => b.Value), Is.EqualTo(new[] { means[0], means[1], means.Average() }).Within(1e-9), method);
            Assert.That(series.Bars.Select(b => b.Error), Is.EqualTo(new[] { stds[0], stds[1], 0 }).Within(1e-9), $"{method}: ± std over seeds, none on the mean");
            Assert.That(series.Bars.Select(b => b.FillColor), Is.All.EqualTo(palette.Color(method)));
            if (method == "fake") Assert.That(stds[0], Is.GreaterThan(0.05), "the lowered seed gives fake's fabric bar an error bar");
            Assert.That(series.Bars.Select(b => b.Value - b.ValueBase), Is.All.Positive, "bars stand on zero");
        }

        var svg = XDocument.Load(Path.Combine(_layout.Plots, plot.SvgFile)).Root!;
        var texts = svg.Descendants(s_svg + "text").Select(x => x.Value.Trim()).ToList();
        Assert.That(texts, Is.SupersetOf(new[] { "dim", "fake", "fabric", "tile", "mean", plot.Title }), "the SVG names every method (legend), category and its title as text");
        Assert.That(svg.Descendants(s_svg + "text").Select(x => (string?)x.Attribute("font-family")).Distinct(), Is.EqualTo(new[] { ReportFont.Family }));
    }

    [Test]
    public void EveryPlotIsWrittenAsSvgAndPngWithOneSeriesPerMethodInTheSameColourEverywhere()
    {
        var palette = MethodPalette.Of(_results);
        var names = new[]
        {
            "synthetic_fabric_image_roc", "synthetic_fabric_pixel_roc", "synthetic_fabric_pro", "synthetic_fabric_training_loss",
            "synthetic_tile_image_roc", "synthetic_image_auroc_bars", "synthetic_accuracy_vs_throughput",
        };
        var svgs = Directory.GetFiles(_layout.Plots, "*.svg").Select(Path.GetFileNameWithoutExtension).ToList();
        var pngs = Directory.GetFiles(_layout.Plots, "*.png").Select(Path.GetFileNameWithoutExtension).ToList();
        Assert.That(svgs, Is.SupersetOf(names));
        Assert.That(pngs, Is.EquivalentTo(svgs), "every plot as SVG and as PNG of the same name");
        Assert.That(Directory.GetFiles(_layout.Plots).Length, Is.EqualTo(2 * svgs.Count), "nothing else in plots/");
        Assert.That(palette.Color("dim"), Is.Not.EqualTo(palette.Color("fake")));

        var plots = Plots();
        Assert.That(plots.Select(p => p.Name), Is.EquivalentTo(svgs), "the plots built are the files written");
        foreach (var plot in plots)
        {
            var series = Series(plot.Figure);
            Assert.That(series.Select(s => s.Name.Split(' ')[0]), Is.EquivalentTo(new[] { "dim", "fake" }), plot.Name);
            foreach (var (name, color) in series)
                Assert.That(color, Is.EqualTo(palette.Color(name.Split(' ')[0])), $"{plot.Name}: {name}");
        }
        Assert.That(plots.Single(p => p.Name == "synthetic_fabric_image_roc").Figure.GetPlottables<Scatter>().Count(), Is.EqualTo(2), "one line per method");
        Assert.That(Series(plots.Single(p => p.Name == "synthetic_fabric_training_loss").Figure).Select(s => s.Name), Does.Contain("fake (loss)"));
        Assert.That(plots.Single(p => p.Name == "synthetic_accuracy_vs_throughput").Figure.GetPlottables<Scatter>().Count(s => s.LegendText == "Pareto front"), Is.EqualTo(1),
            "the Pareto front is drawn");
    }

    [Test]
    public void EachPngOfThePlotsDecodesAtTwiceTheSvgSizeWithItsTitleDrawn()
    {
        var plots = Plots();
        Assert.That(Directory.GetFiles(_layout.Plots, "*.png").Select(Path.GetFileNameWithoutExtension), Is.EquivalentTo(plots.Select(p => p.Name)));
        foreach (var plot in plots)
        {
            var file = Path.Combine(_layout.Plots, plot.PngFile);
            var svg = XDocument.Load(Path.Combine(_layout.Plots, plot.SvgFile)).Root!;
            Assert.That(((int)svg.Attribute("width")!, (int)svg.Attribute("height")!), Is.EqualTo((ReportFigure.Width, ReportFigure.Height)), file);
            using var png = SKBitmap.Decode(file);
            Assert.That(png, Is.Not.Null, $"{file} decodes");
            Assert.That((png.Width, png.Height), Is.EqualTo((ReportFigure.PngScale * ReportFigure.Width, ReportFigure.PngScale * ReportFigure.Height)), file);
            // The title sits above the data area (whose top ScottPlot reports after a render, in pixels before the PNG's scale):
            // ink there means a font was found and the title drawn.
            ReportFigure.Png(plot.Figure);
            var top = (int)plot.Figure.LastRender.DataRect.Top * ReportFigure.PngScale;
            Assert.That(top, Is.GreaterThan(20 * ReportFigure.PngScale), $"{file}: room for a title");
            var dark = 0;
            for (var y = 0; y < top - 8 * ReportFigure.PngScale; y++)
                for (var x = 0; x < png.Width; x++)
                    if (png.GetPixel(x, y) is var c && c.Red + c.Green + c.Blue < 3 * 128) dark++;
            Assert.That(dark, Is.GreaterThan(500), $"{file}: the title is drawn");
        }
    }

    [Test]
    public void TheParetoFrontKeepsTheMethodsNoOtherBeatsOnBothAxes()
    {
        var points = new[] { (X: 1.0, Y: 0.99), (X: 10.0, Y: 0.95), (X: 5.0, Y: 0.90), (X: 100.0, Y: 0.80), (X: 10.0, Y: 0.94) };
        Assert.That(ParetoFront.Of(points, p => p.X, p => p.Y), Is.EqualTo(new[] { points[0], points[1], points[3] }));
    }

    [Test]
    public void AHeatmapGridShowsDefectsFirstWithTheInputAndEachMethodsMapsOnOneColourScale()
    {
        var runs = new[] { "dim", "fake" }.Select(m => _results.Find("synthetic", "fabric", m, 0)!).ToList();
        var scores = runs[0].ReadScores();
        var rows = HeatmapGrid.Select(scores, 8);
        Assert.That(rows.Order(), Is.EqualTo(Enumerable.Range(0, scores.Count)), "8 test images: all of them");
        var defects = rows.TakeWhile(i => scores[i].Label == 1).Count();
        Assert.That(defects, Is.EqualTo(scores.Count(s => s.Label == 1)), "defects first, then normal images");
        Assert.That(rows.Take(scores.Select(s => s.DefectType).Where((_, i) => scores[i].Label == 1).Distinct().Count()).Select(i => scores[i].DefectType),
            Is.Unique, "every defect type before a second image of any type");

        using var png = SKBitmap.Decode(Path.Combine(_layout.HeatMaps, "synthetic_fabric.png"));
        var layout = new HeatmapLayout(8, 4, 64);
        Assert.That((png.Width, png.Height), Is.EqualTo((layout.Width, layout.Height)), "8 rows; input, ground truth and two methods of 64 px (the quick profile's input)");
        Assert.That(layout.Width, Is.EqualTo(4 * 64 + 5 * HeatmapLayout.Gap));
        (byte, byte, byte) At(int x, int y) => png.GetPixel(x, y) is var c ? (c.Red, c.Green, c.Blue) : default;
        IEnumerable<(byte R, byte G, byte B)> Cell(int row, int column) =>
            Enumerable.Range(0, 64 * 64).Select(p => At(layout.CellX(column) + p % 64, layout.CellY(row) + p / 64));
        Assert.That(Enumerable.Range(0, layout.Band * layout.Width).Count(p => At(p % layout.Width, p / layout.Width) is var c && c.Item1 + c.Item2 + c.Item3 < 3 * 128),
            Is.GreaterThan(100), "the column titles are drawn");

        // The input cell is the test image as the method saw it (resized to its 64 px input).
        using (var rgb = ImagePipeline.ReadRgb(scores[rows[0]].Path))
        using (var expected = new ImagePipeline(new Preprocessing(64)).ResizeAndCrop(rgb))
        {
            var e = expected.contiguous().data<byte>();
            Assert.That(Cell(0, 0).Select((c, p) => c == (e[p], e[4096 + p], e[8192 + p])).All(x => x), Is.True, "input cell");
        }
        var contour = (HeatmapGrid.Contour.Red, HeatmapGrid.Contour.Green, HeatmapGrid.Contour.Blue);
        Assert.That(Cell(0, 1).Count(c => c == contour), Is.GreaterThan(0), "the first row is a defect: its contour is drawn");
        Assert.That(Cell(7, 1).Count(c => c == contour), Is.Zero, "the last row is a normal image: no contour");

        // One colour scale per method: only the image holding the method's largest value reaches the top colour;
        // normalised per image, every map would.
        var brightest = HeatmapGrid.Colormap.GetColor(1).ToSKColor();
        var top = (brightest.Red, brightest.Green, brightest.Blue);
        for (var m = 0; m < runs.Count; m++)
        {
            var maps = runs[m].ReadMaps().Pixels.Images;
            var peaks = rows.Select(i => maps[i].Map.ToArray().Max()).ToList();
            var hottest = peaks.IndexOf(peaks.Max());
            var coolest = peaks.IndexOf(peaks.Min());
            Assert.That(peaks.Max() - peaks.Min(), Is.GreaterThan(0.05), "the test needs images of different peaks");
            Assert.That(Cell(hottest, 2 + m).Contains(top), Is.True, $"{runs[m].Result.Method}: the hottest image reaches the top of the scale");
            double Luminance((byte R, byte G, byte B) c) => 0.2126 * c.R + 0.7152 * c.G + 0.0722 * c.B;
            Assert.That(Cell(coolest, 2 + m).Max(Luminance), Is.LessThan(Luminance(top) - 10), $"{runs[m].Result.Method}: the coolest image stays darker");
        }
    }

    [Test]
    public void TheHtmlReportRendersInHeadlessChromiumWithEveryTableCellAndOneSvgPerPlot()
    {
        var html = Path.Combine(_layout.Report, ReportBuilder.HtmlFile);
        var text = File.ReadAllText(html);
        Assert.That(Regex.Matches(text, "(src|href)=\"(https?:)?//").Count, Is.Zero, "nothing loaded from the network");
        var chromium = new[] { "chromium", "chromium-browser", "google-chrome" }
            .Select(name => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists))
            .FirstOrDefault(p => p is not null);
        if (chromium is null) Assert.Ignore("chromium is not installed (Debian: apt-get install chromium; .ci/run installs it): the HTML report was written but not rendered");

        var profile = Directory.CreateTempSubdirectory("anomalybench-chromium-").FullName;
        try
        {
            var url = new Uri(html).AbsoluteUri;
            var dom = Chromium(chromium!, profile, "--dump-dom", url);
            var cells = Regex.Matches(dom, "<t[dh][^>]*>(.*?)</t[dh]>", RegexOptions.Singleline)
                .Select(m => WebUtility.HtmlDecode(Regex.Replace(m.Groups[1].Value, "<[^>]+>", "")).Trim()).ToHashSet(StringComparer.Ordinal);
            var markdown = new[] { ReportBuilder.SideBySideFile, ReportBuilder.StatisticsFile }.SelectMany(f => File.ReadAllLines(Path.Combine(_layout.Report, f)))
                .Where(l => l.StartsWith('|') && !l.StartsWith("|---", StringComparison.Ordinal))
                .SelectMany(l => Regex.Split(l.Trim('|'), @"(?<!\\)\|").Select(c => c.Replace("**", "", StringComparison.Ordinal).Replace("\\|", "|", StringComparison.Ordinal).Trim()))
                .ToList();
            Assert.That(markdown, Has.Count.GreaterThan(100));
            Assert.That(markdown.Where(c => !cells.Contains(c)).ToList(), Is.Empty, "every cell of the Markdown tables is a cell of the rendered page");
            var plots = Directory.GetFiles(_layout.Plots, "*.svg").Length;
            Assert.That(Regex.Matches(dom, "<svg[ >]").Count, Is.EqualTo(plots), "one inline SVG per plot");
            var ids = Regex.Matches(dom, " id=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
            Assert.That(ids, Is.Unique, "the inline SVGs' clip paths keep their own ids on one page");
            var references = Regex.Matches(dom, @"url\(#([^)]+)\)").Select(m => m.Groups[1].Value).Distinct().ToList();
            Assert.That(references, Is.Not.Empty);
            Assert.That(references.Except(ids).ToList(), Is.Empty, "every clip path an inline SVG refers to is on the page");
            Assert.That(Regex.Matches(dom, "<img [^>]*src=\"../heatmaps/").Count, Is.EqualTo(2), "one heat-map grid per category");

            var screenshot = Path.Combine(_dir, "report.png");
            Chromium(chromium!, profile, $"--screenshot={screenshot}", "--window-size=1280,2400", url);
            using var image = torchvision.io.read_image(screenshot, torchvision.io.ImageReadMode.RGB);
            Assert.That(image.shape, Is.EqualTo(new long[] { 3, 2400, 1280 }));
            using var dark = image.lt(128);
            using var count = dark.sum();
            Assert.That(count.item<long>(), Is.GreaterThan(1000), "the page drew text and figures, not a blank screen");
            TestContext.Out.WriteLine($"screenshot: {screenshot}");
        }
        finally
        {
            Directory.Delete(profile, recursive: true);
        }
    }

    private static string Chromium(string chromium, string profile, params string[] args)
    {
        var start = new ProcessStartInfo(chromium) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", $"--user-data-dir={profile}" }.Concat(args)) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"chromium {string.Join(' ', args)} did not finish in 60 s");
        }
        Assert.That(process.ExitCode, Is.Zero, $"chromium {string.Join(' ', args)}: {error.Result}");
        return output;
    }
}
