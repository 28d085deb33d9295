namespace AnomalyBench.Metrics;

/// <summary>
/// Down-samples a monotone curve walked from its first point to its last for plotting: a
/// point is kept when it lies in another grid cell than the point before it (on either axis),
/// so at most about (x cells + y cells) points are kept and every visible bend survives.
/// Whether a point is kept depends only on it and the point before it, so pieces of a curve
/// walked in parallel sample exactly as one walk would. <c>cells = 0</c> keeps every point.
/// The x axis may be finer up to a limit (<see cref="_xFineLimit"/>): PRO curves are read
/// up to the AUPRO integration limit, so that part gets the full resolution.
/// </summary>
internal sealed class CurveSampler
{
    private readonly int _cells;
    private readonly double _xFineLimit;
    private readonly List<CurvePoint> _points = [];

    public CurveSampler(int cells, double xFineLimit = 1.0)
    {
        _cells = cells;
        _xFineLimit = xFineLimit;
    }

    public List<CurvePoint> Points => _points;

    /// <summary>Considers the point (x, y), whose predecessor on the curve was (prevX, prevY).</summary>
    public void Add(double prevX, double prevY, double x, double y, float threshold, bool last)
    {
        if (_cells == 0 || last || XCell(x) != XCell(prevX) || YCell(y) != YCell(prevY))
            _points.Add(new CurvePoint(x, y, threshold));
    }

    public void AddFirst(double x, double y) => _points.Add(new CurvePoint(x, y, float.PositiveInfinity));

    private long XCell(double x)
    {
        if (x <= _xFineLimit) return (long)(x / _xFineLimit * _cells);
        // Beyond the fine part, a quarter of the resolution.
        return _cells + 1 + (long)((x - _xFineLimit) / (1.0 - _xFineLimit) * (_cells / 4));
    }

    private long YCell(double y) => (long)(y * _cells);
}
