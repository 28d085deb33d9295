using System.Numerics;

namespace AnomalyBench.Metrics;

/// <summary>
/// Input checks that name the offending input and position. NaN has no place in a score
/// order (scikit-learn rejects it too); masks and labels must be 0/1 so that a 0/255 mask or
/// a class-id mask (VisA) is binarised deliberately by the caller, not guessed at here.
/// </summary>
internal static class Validation
{
    public static void RequireNoNaN(ReadOnlySpan<float> values, string name)
    {
        var i = IndexOfNaN(values);
        if (i >= 0) throw new ArgumentException($"{name}[{i}] is NaN; scores must be numbers", name);
    }

    public static void RequireBinary(ReadOnlySpan<byte> values, string name)
    {
        var i = IndexOfNonBinary(values);
        if (i >= 0) throw new ArgumentException($"{name}[{i}] is {values[i]}; {name} must be 0 or 1 (binarise with > 0 first)", name);
    }

    public static int IndexOfNaN(ReadOnlySpan<float> values)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<float>.Count)
        {
            var vectors = System.Runtime.InteropServices.MemoryMarshal.Cast<float, Vector<float>>(values);
            for (var v = 0; v < vectors.Length; v++)
            {
                var x = vectors[v];
                if (!Vector.EqualsAll(x, x)) return v * Vector<float>.Count + Scalar(values.Slice(v * Vector<float>.Count, Vector<float>.Count));
            }
            i = vectors.Length * Vector<float>.Count;
        }
        var tail = Scalar(values[i..]);
        return tail < 0 ? -1 : i + tail;

        static int Scalar(ReadOnlySpan<float> s)
        {
            for (var k = 0; k < s.Length; k++)
                if (float.IsNaN(s[k])) return k;
            return -1;
        }
    }

    public static int IndexOfNonBinary(ReadOnlySpan<byte> values) => values.IndexOfAnyExcept((byte)0, (byte)1);
}
