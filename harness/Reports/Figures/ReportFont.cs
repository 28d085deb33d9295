using ScottPlot;
using SkiaSharp;

namespace AnomalyBench.Harness.Reports.Figures;

/// <summary>
/// The one font of every figure: DejaVu Sans, from its files (Debian's <c>fonts-dejavu-core</c>, named in the README's
/// prerequisites and installed by <c>.ci/run</c>). Named by file because the SkiaSharp native build ScottPlot brings
/// (<c>NativeAssets.Linux.NoDependencies</c>) has no fontconfig: on its own it takes whichever font file it meets
/// first (DejaVu Serif on the development machine) and, on a machine without fonts, draws no text at all. A missing
/// file is an error naming the package rather than figures without labels.
/// </summary>
public static class ReportFont
{
    public const string Family = "DejaVu Sans";
    public const string Package = "fonts-dejavu-core";

    // Debian/Ubuntu, then Fedora and Arch; the files' names are DejaVu's own.
    private static readonly string[] s_folders = ["/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu-sans-fonts", "/usr/share/fonts/TTF"];

    /// <summary>
    /// Registers the font's files with ScottPlot and makes it ScottPlot's default; ScottPlot's font registry is
    /// process-wide, so a second call (its default already ours) adds nothing.
    /// </summary>
    public static void Register()
    {
        if (Fonts.Default == Family) return;
        foreach (var (file, bold) in new[] { ("DejaVuSans.ttf", false), ("DejaVuSans-Bold.ttf", true) })
        {
            var path = s_folders.Select(f => Path.Combine(f, file)).FirstOrDefault(File.Exists)
                ?? throw new FileNotFoundException(
                    $"the report's figures are drawn in {Family}, and {file} is in none of {string.Join(", ", s_folders)}: install it (Debian: sudo apt-get install {Package})", file);
            Fonts.AddFontFile(Family, path, bold, italic: false);
        }
        Fonts.Default = Family;
    }

    /// <summary>The typeface for text drawn with SkiaSharp directly (the heat-map grids).</summary>
    public static SKTypeface Typeface(bool bold = false)
    {
        Register();
        return Fonts.GetTypeface(Family, bold, italic: false);
    }
}
