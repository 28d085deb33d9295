using System.Text.Json;
using AnomalyBench.Metrics;
using NUnit.Framework;

namespace AnomalyBench.Tests.Metrics;

/// <summary>The module's entry point: inputs with shapes, report keys, JSON, validation messages.</summary>
public class EvaluationTests
{
    private static EvaluationInput Input(SyntheticSets.Set set, float[]? scores = null)
    {
        var n = set.Maps.Count;
        var labels = set.Masks.Select(m => (byte)(m.Any(v => v != 0) ? 1 : 0)).ToArray();
        return EvaluationInput.FromShapes(set.FlatMaps, [n, set.Height, set.Width], set.FlatMasks, [n, set.Height, set.Width],
            labels, [n], scores, scores is null ? null : [n]);
    }

    [Test]
    public void ReportsEveryKeyInOrder()
    {
        var set = SyntheticSets.Create(seed: 91, images: 12, height: 16, width: 16);
        var result = Evaluation.Evaluate(Input(set));
        Assert.That(result.Values.Select(v => v.Key), Is.EqualTo(new[]
        {
            "image_auroc", "pixel_auroc", "aupro_0.3", "aupro_0.05", "image_ap", "pixel_ap", "image_f1max", "pixel_f1max",
        }));
        Assert.That(result.ScoresFromMaps, Is.True);
        var d = result.ToDictionary();
        Assert.That(d["pixel_auroc"], Is.EqualTo(result.Pixel.Auroc.Value));
        Assert.That(d["aupro_0.05"], Is.EqualTo(result.Pixel.AuproAt(0.05).Value.Value));

        using var json = JsonDocument.Parse(result.ToJson());
        Assert.That(json.RootElement.GetProperty("image_auroc").GetDouble(), Is.EqualTo(result.Image.Auroc.Value));
        Assert.That(json.RootElement.GetProperty("aupro_method").GetString(), Does.Contain("exact"));
    }

    [Test]
    public void ImageScoresDefaultToTheMaxOfEachMap()
    {
        var set = SyntheticSets.Create(seed: 92, images: 10, height: 8, width: 8);
        var max = set.Maps.Select(m => m.Max()).ToArray();
        var implicitScores = Evaluation.Evaluate(Input(set));
        var explicitScores = Evaluation.Evaluate(Input(set, max));
        Assert.That(explicitScores.Image.Auroc, Is.EqualTo(implicitScores.Image.Auroc));
        Assert.That(explicitScores.ScoresFromMaps, Is.False);
    }

    [Test]
    public void UndefinedValuesAreNullInJsonWithTheirReason()
    {
        var set = SyntheticSets.Create(seed: 93, images: 4, height: 8, width: 8, defectFraction: 0);
        var result = Evaluation.Evaluate(Input(set));
        Assert.That(result.ToDictionary()["pixel_auroc"], Is.NaN);
        using var json = JsonDocument.Parse(result.ToJson());
        Assert.That(json.RootElement.GetProperty("pixel_auroc").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(json.RootElement.GetProperty("undefined").GetProperty("aupro_0.3").GetString(), Does.Contain("no ground-truth region"));
        Assert.That(json.RootElement.GetProperty("undefined").GetProperty("image_auroc").GetString(), Does.Contain("no anomalous images"));
    }

    [Test]
    public void ShapeDisagreementsNameTheInput()
    {
        var maps = new float[2 * 3 * 4];
        var masks = new byte[2 * 3 * 4];
        var e1 = Assert.Throws<ArgumentException>(() => EvaluationInput.FromShapes(maps, [2, 3, 4], masks, [2, 4, 3], new byte[2], [2]))!;
        Assert.That(e1.ParamName, Is.EqualTo("masks"));
        Assert.That(e1.Message, Does.Contain("masks has shape [2, 4, 3] but maps has [2, 3, 4]"));

        var e2 = Assert.Throws<ArgumentException>(() => EvaluationInput.FromShapes(maps, [2, 3, 4], masks, [2, 3, 4], new byte[3], [3]))!;
        Assert.That(e2.ParamName, Is.EqualTo("labels"));

        var e3 = Assert.Throws<ArgumentException>(() => EvaluationInput.FromShapes(maps, [2, 3, 4], masks, [2, 3, 4], new byte[2], [2], new float[5], [5]))!;
        Assert.That(e3.ParamName, Is.EqualTo("scores"));

        var e4 = Assert.Throws<ArgumentException>(() => EvaluationInput.FromShapes(maps, [2, 12], masks, [2, 12], new byte[2], [2]))!;
        Assert.That(e4.ParamName, Is.EqualTo("maps"));

        var e5 = Assert.Throws<ArgumentException>(() => EvaluationInput.FromShapes(new float[7], [2, 3, 4], masks, [2, 3, 4], new byte[2], [2]))!;
        Assert.That(e5.ParamName, Is.EqualTo("maps"));
    }

    [Test]
    public void InvalidValuesNameTheInput()
    {
        var maps = new float[2 * 2 * 2];
        var masks = new byte[2 * 2 * 2];
        masks[5] = 1;

        var badMask = (byte[])masks.Clone();
        badMask[6] = 255;
        var e1 = Assert.Throws<ArgumentException>(() => Evaluation.Evaluate(EvaluationInput.FromShapes(maps, [2, 2, 2], badMask, [2, 2, 2], new byte[] { 0, 1 }, [2])))!;
        Assert.That(e1.Message, Does.Contain("masks[1] has value 255"));

        var nanMap = (float[])maps.Clone();
        nanMap[3] = float.NaN;
        var e2 = Assert.Throws<ArgumentException>(() => Evaluation.Evaluate(EvaluationInput.FromShapes(nanMap, [2, 2, 2], masks, [2, 2, 2], new byte[] { 0, 1 }, [2])))!;
        Assert.That(e2.Message, Does.Contain("maps[0] has NaN"));

        var e3 = Assert.Throws<ArgumentException>(() => Evaluation.Evaluate(EvaluationInput.FromShapes(maps, [2, 2, 2], masks, [2, 2, 2], new byte[] { 0, 1 }, [2], new[] { 0.5f, float.NaN }, [2])))!;
        Assert.That(e3.ParamName, Is.EqualTo("scores"));
        Assert.That(e3.Message, Does.Contain("scores[1] is NaN"));

        var e4 = Assert.Throws<ArgumentException>(() => Evaluation.Evaluate(EvaluationInput.FromShapes(maps, [2, 2, 2], masks, [2, 2, 2], new byte[] { 0, 3 }, [2])))!;
        Assert.That(e4.ParamName, Is.EqualTo("labels"));
    }

    [Test]
    public void ANormalLabelWithDefectPixelsIsWarnedAbout()
    {
        var masks = new byte[8];
        masks[1] = 1;
        var result = Evaluation.Evaluate(EvaluationInput.FromShapes(new float[8], [2, 2, 2], masks, [2, 2, 2], new byte[] { 0, 0 }, [2]));
        Assert.That(result.Warnings, Has.Count.EqualTo(1));
        Assert.That(result.Warnings[0], Does.Contain("image 0"));
    }
}
