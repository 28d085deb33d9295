namespace AnomalyBench.Harness.Reports.Heatmaps;

/// <summary>
/// matplotlib's viridis colour map (van der Walt &amp; Smith, 2015), sampled at nine points and interpolated
/// linearly: perceptually uniform, readable in grey and by colour-blind readers, dark at 0 and bright at 1, so a
/// low anomaly score looks dark.
/// </summary>
public static class Viridis
{
    private static readonly (byte R, byte G, byte B)[] s_anchors =
    [
        (68, 1, 84), (71, 44, 122), (59, 81, 139), (44, 113, 142), (33, 144, 141),
        (39, 173, 129), (92, 200, 99), (170, 220, 50), (253, 231, 37),
    ];

    /// <summary>The colour of <paramref name="t"/> in [0, 1] (clamped; NaN is 0).</summary>
    public static (byte R, byte G, byte B) Color(double t)
    {
        t = double.IsNaN(t) ? 0 : Math.Clamp(t, 0, 1);
        var position = t * (s_anchors.Length - 1);
        var i = Math.Min((int)position, s_anchors.Length - 2);
        var f = position - i;
        var (a, b) = (s_anchors[i], s_anchors[i + 1]);
        return (Mix(a.R, b.R, f), Mix(a.G, b.G, f), Mix(a.B, b.B, f));
    }

    private static byte Mix(byte a, byte b, double f) => (byte)Math.Round(a + (b - a) * f);
}
