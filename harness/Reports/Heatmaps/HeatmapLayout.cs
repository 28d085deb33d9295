namespace AnomalyBench.Harness.Reports.Heatmaps;

/// <summary>
/// Where everything sits in a heat-map grid: a header band of column titles, then per test image a row of square
/// cells (input, ground truth, one per method) above a caption band (defect type, scores), and at the bottom each
/// method's colour bar with its range and a label. Text is DejaVu Sans at <see cref="FontSize"/> pixels.
/// </summary>
public sealed record HeatmapLayout(int Rows, int Columns, int Cell)
{
    public const int Gap = 4;
    public const int ColorBarHeight = 10;

    /// <summary>Text size in pixels: larger in cells of 160 px and more (evaluation at original resolution).</summary>
    public float FontSize => Cell >= 160 ? 14 : 11;

    /// <summary>Height of a text band (header, captions, colour-bar numbers and label): a line of text and its padding.</summary>
    public int Band => (int)Math.Ceiling(FontSize * 1.25) + 6;

    public int Width => Columns * Cell + (Columns + 1) * Gap;

    public int Height => Band + Rows * (Cell + Band) + ColorBarHeight + 2 * Band + Gap;

    public int CellX(int column) => Gap + column * (Cell + Gap);

    public int CellY(int row) => Band + row * (Cell + Band);

    /// <summary>The baseline of the text under cell row <paramref name="row"/>, of the header at -1, of the colour-bar numbers at <see cref="Rows"/>, of their label at Rows + 1.</summary>
    public float Baseline(int row) =>
        row < 0 ? Band - 5
        : row < Rows ? CellY(row) + Cell + Band - 5
        : ColorBarY + ColorBarHeight + (row - Rows + 1) * Band - 5;

    public int ColorBarY => CellY(Rows);
}
