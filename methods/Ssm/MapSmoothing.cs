namespace AnomalyBench.Methods.Ssm;

/// <summary>How the Gaussian (σ = <see cref="SsmOptions.Sigma"/>) smooths each pass's score map.</summary>
public enum MapSmoothing
{
    /// <summary>
    /// Each row alone, 1-D: official test.py at its default <c>--batch_size 1</c>, where <c>score.squeeze()</c> is S×S and
    /// <c>for i in range(score.shape[0]): score[i] = gaussian_filter(score[i], sigma=7)</c> filters every row as a 1-D
    /// array. The published Retinal-OCT numbers were scored this way (default).
    /// </summary>
    Rows,

    /// <summary>2-D per image: what the same loop does at batch &gt; 1 (train.py's validation, batch 32), and RIAD's test.</summary>
    Image,
}
