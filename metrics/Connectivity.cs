namespace AnomalyBench.Metrics;

/// <summary>
/// Pixel neighbourhood for ground-truth regions. AUPRO as defined by the MVTec AD evaluation
/// code uses <see cref="Eight"/> (<c>scipy.ndimage.label(gt, np.ones((3, 3)))</c>); scipy's own
/// default is the 4-connected cross, which silently splits regions that touch at a corner.
/// </summary>
public enum Connectivity
{
    Four = 4,
    Eight = 8,
}
