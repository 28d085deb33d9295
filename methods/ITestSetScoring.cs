namespace AnomalyBench.Methods;

/// <summary>
/// A method whose published protocol normalises image scores with statistics of the whole test set (transductive), e.g.
/// SSM's test.py min-max. <see cref="IAnomalyMethod.Predict"/> sees one batch, so such a method returns per-image score
/// parts in <see cref="Prediction.ScoreParts"/>; once every test image of a category is predicted, the runner replaces
/// the scores by <see cref="Rescore"/> and records <see cref="TestSetProtocol"/> in the results.
/// </summary>
public interface ITestSetScoring
{
    /// <summary>Whether this instance is set to rescore with test-set statistics (otherwise its scores are final).</summary>
    bool UsesTestSetStatistics { get; }

    /// <summary>How the image score was made, for the results (it must say "transductive").</summary>
    string TestSetProtocol { get; }

    /// <summary>The image scores of the whole test set, in order, from each image's score parts.</summary>
    float[] Rescore(IReadOnlyList<float[]> parts);
}
