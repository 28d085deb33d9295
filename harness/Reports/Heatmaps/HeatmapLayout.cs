namespace AnomalyBench.Harness.Reports.Heatmaps;

/// <summary>
/// Where everything sits in a heat-map grid: a header band of column titles, then per test image a row of square
/// cells (input, ground truth, one per method) above a caption band (defect type, scores), and at the bottom each
/// method's colour bar with its range. Text is the 3×5 bitmap font, doubled in cells of 160 px and more.
/// </summary>
public sealed record HeatmapLayout(int Rows, int Columns, int Cell)
{
    public const int Gap = 4;
    public const int ColorBarHeight = 10;

    public int Scale => Cell >= 160 ? 2 : 1;

    /// <summary>Height of a text band (header, captions, colour-bar labels).</summary>
    public int Band => BitmapFont.GlyphHeight * Scale + 6;

    public int Width => Columns * Cell + (Columns + 1) * Gap;

    public int Height => Band + Rows * (Cell + Band) + ColorBarHeight + Band + Gap;

    public int CellX(int column) => Gap + column * (Cell + Gap);

    public int CellY(int row) => Band + row * (Cell + Band);

    /// <summary>Top of the text under cell row <paramref name="row"/> (or, at <see cref="Rows"/>, under the colour bars).</summary>
    public int CaptionY(int row) => row < Rows ? CellY(row) + Cell + 3 : ColorBarY + ColorBarHeight + 3;

    public int ColorBarY => CellY(Rows);

    /// <summary>The longest prefix of <paramref name="text"/> that fits a cell's width.</summary>
    public string Fit(string text)
    {
        var chars = (Cell / Scale + 1) / BitmapFont.Advance;
        return text.Length <= chars ? text : text[..Math.Max(0, chars)];
    }
}
