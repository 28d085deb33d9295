using AnomalyBench.Datasets;
using AnomalyBench.Torch;

namespace AnomalyBench.Tests.Methods.ReverseDistillation;

/// <summary>
/// A generated test split with obvious defects for the reconstruction methods' quality tests: every good test image
/// of a synthetic category once as it is (normal) and once with a saturated square patch painted on it (anomalous).
/// The synthetic generator's own defects are drawn close to the normal range of values on purpose (SyntheticDefects);
/// a random-weight encoder, which is all the tests have, does not make them separable for a reconstruction method
/// (RD4AD on the quick profile: I-AUROC 0.44–0.72 across the five categories, README). The acceptance asks for
/// "a generated data set with obvious defects", and this is one: the same base images with and without a clear defect.
/// </summary>
internal static class ObviousDefects
{
    /// <summary>Writes the painted copies under <paramref name="folder"/> and returns the test split (normal first).</summary>
    public static List<Sample> TestSplit(DatasetCategory data, string folder, int patch)
    {
        Directory.CreateDirectory(folder);
        var good = data.Test.Where(s => !s.IsAnomalous).ToList();
        var samples = new List<Sample>(good);
        var random = new Random(0);
        foreach (var (sample, k) in good.Select((s, k) => (s, k)))
        {
            using var image = torchvision.io.read_image(sample.ImagePath, torchvision.io.ImageReadMode.RGB);
            var (h, w) = (image.size(1), image.size(2));
            var (y, x) = (random.Next(0, (int)(h - patch)), random.Next(0, (int)(w - patch)));
            // A pure blue square: far from the wood, fabric and metal colours of the generator.
            long[] colour = [0, 0, 255];
            for (var c = 0; c < 3; c++)
            {
                using var channel = image.select(0, c);
                using var rows = channel.narrow(0, y, patch);
                using var square = rows.narrow(1, x, patch);
                square.fill_(colour[c]);
            }
            var path = Path.Combine(folder, $"patch_{k:000}.png");
            torchvision.io.write_png(image, path);
            samples.Add(new Sample(path, null, Label.Anomalous, "patch", sample.Category));
        }
        return samples;
    }
}
