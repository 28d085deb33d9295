namespace AnomalyBench.Metrics;

/// <summary>How pixel-level metrics compute AUPRO.</summary>
public enum AuproMode
{
    /// <summary>Do not compute AUPRO (P-AUROC, AP and F1-max only; no region labelling).</summary>
    None,

    /// <summary>The exact MVTec AD algorithm: one curve point per distinct score.</summary>
    Exact,

    /// <summary>
    /// The MVTec 3D-AD approximation: K thresholds at equally spaced positions of the sorted
    /// normal-pixel scores (equally spaced in FPR). Needs only O(K) memory; reported as approximate.
    /// </summary>
    Quantile,
}
