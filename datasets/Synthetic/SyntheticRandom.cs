namespace AnomalyBench.Datasets;

/// <summary>
/// The synthetic generator's random numbers: xoshiro256** seeded through SplitMix64 (Blackman
/// and Vigna). Own code rather than System.Random, whose seeded sequence .NET does not promise
/// to keep across versions: the same seed must give byte-identical files forever. One
/// instance per image, so images can be drawn in parallel in any order.
/// </summary>
internal sealed class SyntheticRandom
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;
    private float? _spareNormal;

    public SyntheticRandom(ulong seed)
    {
        var x = seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    private static ulong SplitMix(ref ulong x)
    {
        var z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A well-mixed 64-bit key from several parts (seed, category, split, index).</summary>
    public static ulong Key(params ulong[] parts)
    {
        ulong h = 0x243F6A8885A308D3UL;
        foreach (var part in parts)
        {
            var x = h ^ part;
            h = SplitMix(ref x);
        }
        return h;
    }

    /// <summary>FNV-1a of a name, for <see cref="Key"/>.</summary>
    public static ulong Hash(string name)
    {
        var h = 0xcbf29ce484222325UL;
        foreach (var c in name)
        {
            h ^= c;
            h *= 0x100000001b3UL;
        }
        return h;
    }

    public ulong NextUInt64()
    {
        var result = RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    /// <summary>Uniform in [0, 1) with 53 bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / 9007199254740992.0);

    public float Uniform(float low, float high) => low + (float)NextDouble() * (high - low);

    /// <summary>Uniform integer in [0, n).</summary>
    public int Next(int n) => (int)(NextDouble() * n);

    public bool Chance(double p) => NextDouble() < p;

    /// <summary>Standard normal (Box–Muller, both values used).</summary>
    public float Normal()
    {
        if (_spareNormal is { } spare)
        {
            _spareNormal = null;
            return spare;
        }
        double u1;
        do u1 = NextDouble(); while (u1 <= double.Epsilon);
        var u2 = NextDouble();
        var r = Math.Sqrt(-2.0 * Math.Log(u1));
        _spareNormal = (float)(r * Math.Sin(2 * Math.PI * u2));
        return (float)(r * Math.Cos(2 * Math.PI * u2));
    }
}
