// The warm-up of hard-normal mining: ReContrast's per-class scripts (guojiajeremy/ReContrast recontrast_mvtec.py and
// siblings; run-name suffix "hm1d01"): alpha = min(-3 + (alpha_final - -3) * it / (total_iters * 0.1), alpha_final)
// with alpha_final = 1 (shared/research/methods-2.md §1.2). At α = −3 almost every point gets gradient; at α = 1 only
// points above mean + 1σ do. The stable scripts ramp over 20%.

namespace AnomalyBench.Methods.ReverseDistillation;

/// <summary>α(it): linear from <see cref="Start"/> to <see cref="Final"/> over the first <see cref="RampFraction"/> of the iterations, then constant.</summary>
/// <param name="Start">α at iteration 0 (official −3).</param>
/// <param name="Final">α after the ramp (official 1).</param>
/// <param name="RampFraction">fraction of the iterations the ramp lasts (official 0.1).</param>
public sealed record HardMiningSchedule(double Start = -3, double Final = 1, double RampFraction = 0.1)
{
    /// <summary>α at 0-based <paramref name="iteration"/> of <paramref name="totalIterations"/>.</summary>
    public double Alpha(long iteration, long totalIterations)
    {
        if (totalIterations < 1) throw new ArgumentOutOfRangeException(nameof(totalIterations), totalIterations, "total iterations must be at least 1");
        if (RampFraction <= 0) return Final;
        var ramp = totalIterations * RampFraction;
        return Math.Min(Start + (Final - Start) * iteration / ramp, Final);
    }
}
