// SSM's (and RIAD's) random masks: official MediaBrain-SJTU/SSM utils/gen_mask.py::gen_mask(k_list, n=3, im_size), identical
// to plutoyuxie/Reconstruction-by-inpainting-for-visual-anomaly-detection utils/gen_mask.py.

using AnomalyBench.Datasets;
using AnomalyBench.Torch;

namespace AnomalyBench.Methods.Ssm;

/// <summary>
/// One draw for a cell size k: the image is a grid of N = S/k cells per side; a random permutation of the N² cells, padded
/// with −1 up to a multiple of n, is cut into n consecutive groups; mask i is 0 (hidden) on the cells of group i and 1
/// (visible) elsewhere, each cell repeated k×k. The n masks are complementary: each hides about 1/n of the cells and
/// together they hide every pixel exactly once. The same masks serve the whole batch. The permutation comes from the
/// project's <see cref="PythonRandom"/> (CPython's shuffle) where the official code calls <c>np.random.permutation</c>,
/// so the cells differ from the official ones for the same seed (their distribution is the same).
/// </summary>
public static class MaskGenerator
{
    /// <summary>For each cell of the N×N grid (row-major), the index of the mask that hides it.</summary>
    public static int[] HidingMask(int cellsPerSide, int maskCount, PythonRandom random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cellsPerSide, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maskCount, 1);
        ArgumentNullException.ThrowIfNull(random);
        var cells = cellsPerSide * cellsPerSide;
        var permutation = Enumerable.Range(0, cells).ToArray();
        random.Shuffle(permutation);
        // Official: pad with −1 to a multiple of n, reshape(n, −1): group i is the i-th run of ⌈N²/n⌉ entries.
        var groupLength = (cells + maskCount - 1) / maskCount;
        var hiding = new int[cells];
        for (var position = 0; position < cells; position++) hiding[permutation[position]] = position / groupLength;
        return hiding;
    }

    /// <summary>The n masks [n, S, S] (float32, 1 = visible, 0 = hidden) of one draw for cell size k.</summary>
    public static Tensor Draw(int k, int imageSize, PythonRandom random, Device device, int maskCount = SsmOptions.MaskCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (imageSize % k != 0) throw new ArgumentException($"the image size {imageSize} is not divisible by the cell size k = {k}", nameof(k));
        var n = imageSize / k;
        var hiding = HidingMask(n, maskCount, random);
        var values = new float[maskCount * imageSize * imageSize];
        Array.Fill(values, 1f);
        for (var y = 0; y < imageSize; y++)
        for (var x = 0; x < imageSize; x++)
            values[(hiding[(y / k) * n + x / k] * imageSize + y) * imageSize + x] = 0f;
        return torch.from_array(values, [maskCount, imageSize, imageSize], device);
    }
}
