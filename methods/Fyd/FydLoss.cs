// The terms of FYD's objective (arXiv 2110.04538; methods-1.md §3.2): total = fine + λ·L_ICA.

using AnomalyBench.Torch;

namespace AnomalyBench.Methods.Fyd;

/// <summary>One batch's loss: the total and each switched-on term (null when its stage is off).</summary>
public sealed record FydLoss(Tensor Total, Tensor? Fine, Tensor? ImageAlignment);
