using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using AnomalyBench.Datasets;
using AnomalyBench.Harness.Reports;
using AnomalyBench.Harness.Reports.Heatmaps;
using AnomalyBench.Harness.Reports.Svg;
using AnomalyBench.Harness.Runs;
using AnomalyBench.Torch;
using NUnit.Framework;

namespace AnomalyBench.Tests.Harness;

/// <summary>
/// The report's figures on the finished fake experiment of <see cref="ReportTests"/> (two methods, two categories, two seeds): SVG plots (bar heights,
/// one series per method, colours), heat-map grids (size, one colour scale per method) and report.html in headless Chromium.
/// </summary>
[NonParallelizable]
public class ReportFigureTests
{
    private static readonly XNamespace s_svg = SvgCanvas.Ns;
    private string _dir = null!;
    private ResultsLayout _layout = null!;
    private ExperimentResults _results = null!;

    [OneTimeSetUp]
    public void RunFakeExperiment()
    {
        _dir = Directory.CreateTempSubdirectory("anomalybench-figures-").FullName;
        var runner = ReportTests.RunFakeExperiment(_dir);
        _layout = runner.Layout;
        _results = ExperimentResults.Load(_layout);
    }

    [OneTimeTearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    private XElement Plot(string name) => XDocument.Load(Path.Combine(_layout.Plots, name)).Root!;

    private static List<XElement> Series(XElement svg) => svg.Descendants(s_svg + "g").Where(g => (string?)g.Attribute("class") == "series").ToList();

    /// <summary>The pixel row of a value on the y axis, from two of the axis's own tick marks (label and position).</summary>
    private static Func<double, double> YPixel(XElement svg)
    {
        var ticks = svg.Descendants(s_svg + "g").Where(g => (string?)g.Attribute("class") == "tick y")
            .Select(g => (Value: double.Parse(g.Element(s_svg + "text")!.Value, CultureInfo.InvariantCulture), Y: (double)g.Elements(s_svg + "line").First().Attribute("y1")!))
            .ToList();
        Assert.That(ticks, Has.Count.GreaterThanOrEqualTo(2));
        var (a, b) = (ticks[0], ticks[^1]);
        return v => a.Y + (v - a.Value) * (b.Y - a.Y) / (b.Value - a.Value);
    }

    private static void AssertBarHeights(XElement series, IReadOnlyList<double> values, Func<double, double> y)
    {
        var bars = series.Elements(s_svg + "rect").ToList();
        Assert.That(bars, Has.Count.EqualTo(values.Count));
        for (var i = 0; i < values.Count; i++)
        {
            Assert.That((double)bars[i].Attribute("height")!, Is.EqualTo(y(0) - y(values[i])).Within(0.5), $"bar {i} of {series.Attribute("data-series")}");
            Assert.That((double)bars[i].Attribute("y")! + (double)bars[i].Attribute("height")!, Is.EqualTo(y(0)).Within(0.5), "bars stand on zero");
        }
    }

    [Test]
    public void ABarChartIsWellFormedSvgWithOneSeriesPerMethodAndBarsAsHighAsTheirValues()
    {
        var chart = new BarChart("t < 1 & more", "group", "value", ["a", "b", "c"],
            [new BarSeries("m1", "#0072B2", [0.2, 0.55, 0.9], [0.05, null, 0.1]), new BarSeries("m2", "#E69F00", [0.35, null, 0.7], [null, null, null])]);
        var svg = XDocument.Parse(SvgCanvas.Document(chart.Render())).Root!;
        Assert.That(svg.Name, Is.EqualTo(s_svg + "svg"));
        var series = Series(svg);
        Assert.That(series.Select(s => (string?)s.Attribute("data-series")), Is.EqualTo(new[] { "m1", "m2" }));
        Assert.That(series.Select(s => (string?)s.Attribute("fill")), Is.EqualTo(new[] { "#0072B2", "#E69F00" }));
        var y = YPixel(svg);
        AssertBarHeights(series[0], [0.2, 0.55, 0.9], y);
        AssertBarHeights(series[1], [0.35, 0.7], y);
        Assert.That(series[0].Descendants(s_svg + "g").Count(g => (string?)g.Attribute("class") == "error"), Is.EqualTo(2), "an error bar where there is an error");
    }

    [Test]
    public void TheExperimentsMetricBarsShowTheMeanOverSeedsOfEveryMethodAndCategory()
    {
        var svg = Plot("synthetic_image_auroc_bars.svg");
        var series = Series(svg);
        Assert.That(series.Select(s => (string?)s.Attribute("data-series")), Is.EqualTo(new[] { "dim", "fake" }));
        var y = YPixel(svg);
        foreach (var s in series)
        {
            var method = (string)s.Attribute("data-series")!;
            var means = new[] { "fabric", "tile" }.Select(c => _results.Of("synthetic", c, method).Average(r => r.Metric("image_auroc")!.Value)).ToList();
            AssertBarHeights(s, [.. means, means.Average()], y);
        }
    }

    [Test]
    public void EveryPlotIsWellFormedWithOneSeriesPerMethodInTheSameColourEverywhere()
    {
        var palette = MethodPalette.Of(_results);
        var files = Directory.GetFiles(_layout.Plots, "*.svg").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.That(files, Is.SupersetOf(new[]
        {
            "synthetic_fabric_image_roc.svg", "synthetic_fabric_pixel_roc.svg", "synthetic_fabric_pro.svg", "synthetic_fabric_training_loss.svg",
            "synthetic_tile_image_roc.svg", "synthetic_image_auroc_bars.svg", "synthetic_accuracy_vs_throughput.svg",
        }));
        Assert.That(palette.Color("dim"), Is.Not.EqualTo(palette.Color("fake")));
        foreach (var file in files)
        {
            var series = Series(Plot(file!));
            Assert.That(series.Select(s => ((string)s.Attribute("data-series")!).Split(' ')[0]), Is.EquivalentTo(new[] { "dim", "fake" }), file);
            foreach (var s in series)
                Assert.That((string?)s.Attribute("fill") ?? (string?)s.Attribute("stroke"), Is.EqualTo(palette.Color(((string)s.Attribute("data-series")!).Split(' ')[0])), file);
        }
        var roc = Series(Plot("synthetic_fabric_image_roc.svg"));
        Assert.That(roc.Select(s => s.Elements(s_svg + "polyline").Count()), Is.All.EqualTo(1), "one line per method");
        Assert.That(Series(Plot("synthetic_fabric_training_loss.svg")).Select(s => (string?)s.Attribute("data-series")), Does.Contain("fake (loss)"));
        var scatter = Plot("synthetic_accuracy_vs_throughput.svg");
        Assert.That(scatter.Descendants(s_svg + "g").Count(g => (string?)g.Attribute("class") == "front"), Is.EqualTo(1), "the Pareto front is drawn");
    }

    [Test]
    public void AxesHaveNiceTicksInTheInvariantCulture()
    {
        var culture = CultureInfo.CurrentCulture;
        // A culture writing decimal commas (the test process runs in globalization-invariant mode: no named cultures).
        var comma = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        comma.NumberFormat.NumberDecimalSeparator = ",";
        CultureInfo.CurrentCulture = comma;
        try
        {
            var linear = Axis.Linear("x", 0.13, 0.87);
            Assert.That(linear.Ticks, Is.EqualTo(new[] { 0, 0.2, 0.4, 0.6, 0.8, 1.0 }));
            Assert.That(linear.Ticks.Select(linear.Format), Is.EqualTo(new[] { "0.0", "0.2", "0.4", "0.6", "0.8", "1.0" }));
            Assert.That(Axis.Linear("x", 3, 1234).Ticks, Is.EqualTo(new double[] { 0, 500, 1000, 1500 }));
            var log = Axis.Logarithmic("x", 3, 4000);
            Assert.That(log.Ticks, Is.EqualTo(new double[] { 1, 10, 100, 1000, 10000 }));
            Assert.That(log.Fraction(100), Is.EqualTo(0.5).Within(1e-12));
            Assert.That(SvgCanvas.N(1234.5678), Is.EqualTo("1234.57"));
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
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

        using var png = torchvision.io.read_image(Path.Combine(_layout.HeatMaps, "synthetic_fabric.png"), torchvision.io.ImageReadMode.RGB);
        var layout = new HeatmapLayout(8, 4, 64);
        Assert.That(png.shape, Is.EqualTo(new long[] { 3, layout.Height, layout.Width }), "8 rows; input, ground truth and two methods of 64 px (the quick profile's input)");
        Assert.That(layout.Width, Is.EqualTo(4 * 64 + 5 * HeatmapLayout.Gap));
        var pixels = png.contiguous().data<byte>();
        (byte, byte, byte) At(int x, int y) => (pixels[y * layout.Width + x], pixels[layout.Width * layout.Height + y * layout.Width + x], pixels[2 * layout.Width * layout.Height + y * layout.Width + x]);
        IEnumerable<(byte R, byte G, byte B)> Cell(int row, int column) =>
            Enumerable.Range(0, 64 * 64).Select(p => At(layout.CellX(column) + p % 64, layout.CellY(row) + p / 64));

        // The input cell is the test image as the method saw it (resized to its 64 px input).
        using (var rgb = ImagePipeline.ReadRgb(scores[rows[0]].Path))
        using (var expected = new ImagePipeline(new Preprocessing(64)).ResizeAndCrop(rgb))
        {
            var e = expected.contiguous().data<byte>();
            Assert.That(Cell(0, 0).Select((c, p) => c == (e[p], e[4096 + p], e[8192 + p])).All(x => x), Is.True, "input cell");
        }
        Assert.That(Cell(0, 1).Count(c => c == (255, 40, 40)), Is.GreaterThan(0), "the first row is a defect: its contour is drawn");
        Assert.That(Cell(7, 1).Count(c => c == (255, 40, 40)), Is.Zero, "the last row is a normal image: no contour");

        // One colour scale per method: only the image holding the method's largest value reaches the top colour;
        // normalised per image, every map would.
        var top = Viridis.Color(1);
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
