using AnomalyBench.Metrics;
using NUnit.Framework;

namespace AnomalyBench.Tests.Metrics;

/// <summary>Image-level metrics on hand-computed cases and against a plain sklearn transcription.</summary>
public class ImageMetricsTests
{
    [Test]
    public void PerfectSeparationScoresOne()
    {
        var r = ImageMetrics.Compute([0.1f, 0.2f, 0.8f, 0.9f], [0, 0, 1, 1]);
        Assert.That(r.Auroc.Value, Is.EqualTo(1.0));
        Assert.That(r.AveragePrecision.Value, Is.EqualTo(1.0));
        Assert.That(r.F1Max.Value.Value, Is.EqualTo(1.0));
        Assert.That(r.F1Max.Threshold, Is.EqualTo(0.8f));
    }

    [Test]
    public void InvertedScoresGiveAurocZero()
    {
        var r = ImageMetrics.Compute([0.9f, 0.8f, 0.2f, 0.1f], [0, 0, 1, 1]);
        Assert.That(r.Auroc.Value, Is.EqualTo(0.0));
        // Precision first reaches 1/3 at the anomalous 0.2 and 1/2 at 0.1: AP = 0.5·1/3 + 0.5·1/2.
        Assert.That(r.AveragePrecision.Value, Is.EqualTo(0.5 / 3 + 0.25).Within(1e-15));
    }

    [Test]
    public void AllTiesGiveAurocOneHalfAndOnePoint()
    {
        var r = ImageMetrics.Compute([0.3f, 0.3f, 0.3f, 0.3f, 0.3f], [0, 1, 0, 1, 0]);
        Assert.That(r.Auroc.Value, Is.EqualTo(0.5));
        Assert.That(r.AveragePrecision.Value, Is.EqualTo(0.4), "one threshold: precision 2/5 at recall 1");
        Assert.That(r.Roc.Points, Has.Count.EqualTo(2), "(0,0) and one point for the single distinct score");
        Assert.That(r.Roc.Points[1], Is.EqualTo(new CurvePoint(1, 1, 0.3f)));
    }

    [Test]
    public void ScikitLearnDocumentationExample()
    {
        // sklearn docs: roc_auc_score → 0.75, average_precision_score → 0.83.
        float[] scores = [0.1f, 0.4f, 0.35f, 0.8f];
        byte[] labels = [0, 0, 1, 1];
        var r = ImageMetrics.Compute(scores, labels);
        Assert.That(r.Auroc.Value, Is.EqualTo(0.75));
        Assert.That(r.AveragePrecision.Value, Is.EqualTo(0.5 * 1 + 0.5 * 2.0 / 3).Within(1e-15));
        // F1 at 0.35: precision 2/3, recall 1 → 0.8.
        Assert.That(r.F1Max.Value.Value, Is.EqualTo(0.8).Within(1e-15));
        Assert.That(r.F1Max.Threshold, Is.EqualTo(0.35f));
        // AUPR (trapezoid) is a different number from AP and is named so.
        Assert.That(r.Aupr.Value, Is.Not.EqualTo(r.AveragePrecision.Value));
        Assert.That(r.Aupr.Value, Is.EqualTo(0.5 * (1 + 1) * 0.5 + 0 + 0.5 * (0.5 + 2.0 / 3) * 0.5 + 0).Within(1e-15));
    }

    [Test]
    public void CurvesHaveOnePointPerDistinctScore()
    {
        var r = ImageMetrics.Compute([0.1f, 0.4f, 0.35f, 0.8f, 0.4f], [0, 0, 1, 1, 1]);
        Assert.That(r.Roc.Downsampled, Is.False);
        Assert.That(r.Roc.Points.Select(p => p.Threshold), Is.EqualTo(new[] { float.PositiveInfinity, 0.8f, 0.4f, 0.35f, 0.1f }));
        Assert.That(r.Roc.Points.Select(p => (p.X, p.Y)), Is.EqualTo(new[] { (0.0, 0.0), (0.0, 1.0 / 3), (0.5, 2.0 / 3), (0.5, 1.0), (1.0, 1.0) }));
        Assert.That(r.PrecisionRecall.Points[0], Is.EqualTo(new CurvePoint(0, 1, float.PositiveInfinity)));
    }

    [Test]
    public void NegativeAndPositiveZeroAreOneTie()
    {
        var r = ImageMetrics.Compute([-0f, 0f], [0, 1]);
        Assert.That(r.Auroc.Value, Is.EqualTo(0.5));
    }

    [Test]
    public void InfinitiesOrderLikeNumbers()
    {
        var r = ImageMetrics.Compute([float.NegativeInfinity, -1e30f, 1e30f, float.PositiveInfinity], [0, 0, 1, 1]);
        Assert.That(r.Auroc.Value, Is.EqualTo(1.0));
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void AgreesWithTheScikitLearnTranscriptionOnRandomScoresWithTies(int seed)
    {
        var rng = new Random(seed);
        var n = 300;
        var scores = Enumerable.Range(0, n).Select(_ => (float)Math.Round(rng.NextDouble() * 20) / 20).ToArray();
        var labels = scores.Select(s => (byte)(rng.NextDouble() < 0.2 + 0.6 * s ? 1 : 0)).ToArray();
        var r = ImageMetrics.Compute(scores, labels);
        Assert.That(r.Auroc.Value, Is.EqualTo(ReferenceMetrics.RocAuc(scores, labels)).Within(1e-12));
        Assert.That(r.AveragePrecision.Value, Is.EqualTo(ReferenceMetrics.AveragePrecision(scores, labels)).Within(1e-12));
        Assert.That(r.F1Max.Value.Value, Is.EqualTo(ReferenceMetrics.F1Max(scores, labels)).Within(1e-12));
    }

    [Test]
    public void OneClassOnlyIsUndefinedWithAReason()
    {
        var normalOnly = ImageMetrics.Compute([0.1f, 0.2f], [0, 0]);
        Assert.That(normalOnly.Auroc.Value, Is.NaN);
        Assert.That(normalOnly.Auroc.UndefinedReason, Does.Contain("no anomalous images"));
        Assert.That(normalOnly.AveragePrecision.IsDefined, Is.False);
        Assert.That(normalOnly.F1Max.Value.IsDefined, Is.False);

        var anomalousOnly = ImageMetrics.Compute([0.1f, 0.2f], [1, 1]);
        Assert.That(anomalousOnly.Auroc.Value, Is.NaN);
        Assert.That(anomalousOnly.Auroc.UndefinedReason, Does.Contain("no normal images"));
        Assert.That(anomalousOnly.AveragePrecision.Value, Is.EqualTo(1.0), "AP needs positives only");

        var empty = ImageMetrics.Compute([], []);
        Assert.That(empty.Auroc.UndefinedReason, Does.Contain("no images"));
    }

    [Test]
    public void InvalidInputsNameTheInput()
    {
        var nan = Assert.Throws<ArgumentException>(() => ImageMetrics.Compute([0.1f, float.NaN], [0, 1]))!;
        Assert.That(nan.ParamName, Is.EqualTo("scores"));
        Assert.That(nan.Message, Does.Contain("scores[1] is NaN"));

        var label = Assert.Throws<ArgumentException>(() => ImageMetrics.Compute([0.1f, 0.2f], [0, 2]))!;
        Assert.That(label.ParamName, Is.EqualTo("labels"));
        Assert.That(label.Message, Does.Contain("labels[1] is 2"));

        var length = Assert.Throws<ArgumentException>(() => ImageMetrics.Compute([0.1f, 0.2f], [0]))!;
        Assert.That(length.Message, Does.Contain("one value per image"));
    }
}
