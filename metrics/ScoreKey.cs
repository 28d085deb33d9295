namespace AnomalyBench.Metrics;

/// <summary>
/// Maps a float score to an unsigned 32-bit key whose unsigned order is the float order,
/// so that scores can be bucketed and radix-sorted on their bits. -0 and +0 get the same
/// key: they are equal scores and must fall into one tie group, as in scikit-learn
/// (<c>np.diff(y_score) != 0</c> in <c>_binary_clf_curve</c>). NaN has no place in the
/// order; callers reject it before computing keys.
/// </summary>
public static class ScoreKey
{
    public static uint FromScore(float score)
    {
        var bits = BitConverter.SingleToUInt32Bits(score);
        if (bits == 0x8000_0000u) bits = 0; // -0 → +0
        // Negative floats: flip all bits (larger magnitude → smaller key);
        // positive floats: set the sign bit so they sort above all negatives.
        var mask = (uint)((int)bits >> 31) | 0x8000_0000u;
        return bits ^ mask;
    }

    public static float ToScore(uint key)
    {
        var bits = (key & 0x8000_0000u) != 0 ? key ^ 0x8000_0000u : ~key;
        return BitConverter.UInt32BitsToSingle(bits);
    }
}
