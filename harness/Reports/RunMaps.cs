using AnomalyBench.Metrics;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Serialization;

namespace AnomalyBench.Harness.Reports;

/// <summary>
/// A run's maps.safetensors: anomaly maps and masks per test image at evaluation resolution, labels and image scores.
/// Maps of one size are stored as <c>maps</c> F16 [N,H,W] and <c>masks</c> U8 [N,H,W]; at original resolution each
/// image has its own <c>maps.i</c> [H,W] and <c>masks.i</c>.
/// </summary>
public sealed record RunMaps(PixelSet Pixels, byte[] Labels, float[] Scores)
{
    public static RunMaps Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: the run has no maps file; run it again (harness run --force) to write one", path);
        using var state = Safetensors.Load(path);
        var labels = Values<byte>(path, state, "labels", ScalarType.Byte);
        var scores = Values<float>(path, state, "scores", ScalarType.Float32);
        var images = new List<PixelImage>(labels.Length);
        if (state.TryGetValue("maps", out var stacked))
        {
            if (stacked.dim() != 3 || stacked.size(0) != labels.Length)
                throw new InvalidDataException($"{path}: 'maps' is [{string.Join(", ", stacked.shape)}], expected [{labels.Length}, H, W]");
            var (h, w) = ((int)stacked.size(1), (int)stacked.size(2));
            var maps = Values<float>(path, state, "maps", null);
            var masks = Values<byte>(path, state, "masks", ScalarType.Byte);
            if (masks.Length != maps.Length) throw new InvalidDataException($"{path}: 'masks' does not have the shape of 'maps'");
            return new RunMaps(PixelSet.FromContiguous(maps, masks, labels.Length, h, w), labels, scores);
        }
        for (var i = 0; i < labels.Length; i++)
        {
            if (!state.TryGetValue($"maps.{i}", out var map) || map.dim() != 2)
                throw new InvalidDataException($"{path}: no [H, W] 'maps.{i}' for image {i} of {labels.Length}");
            var mask = Values<byte>(path, state, $"masks.{i}", ScalarType.Byte);
            images.Add(new PixelImage(Values<float>(path, state, $"maps.{i}", null), mask, (int)map.size(0), (int)map.size(1)));
        }
        return new RunMaps(new PixelSet(images), labels, scores);
    }

    /// <summary>A tensor's values as T; <paramref name="dtype"/> null accepts any float type (maps are stored as F16).</summary>
    private static T[] Values<T>(string path, StateDict state, string key, ScalarType? dtype) where T : unmanaged
    {
        if (!state.TryGetValue(key, out var t))
            throw new InvalidDataException($"{path}: no tensor '{key}'; the file has {string.Join(", ", state.Keys)}");
        if (dtype is { } expected && t.dtype != expected) throw new InvalidDataException($"{path}: '{key}' is {t.dtype}, expected {expected}");
        using var converted = t.to(typeof(T) == typeof(float) ? ScalarType.Float32 : t.dtype);
        using var flat = converted.contiguous();
        return flat.data<T>();
    }
}
