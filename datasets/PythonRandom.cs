using System.Numerics;

namespace AnomalyBench.Datasets;

/// <summary>
/// CPython's <c>random.Random</c> bit for bit (Lib/random.py, Modules/_randommodule.c), for
/// reproducing the splits that reference code draws with it: ReContrast's prepare_aptos.py
/// runs <c>random.seed(1); random.shuffle(normal_path)</c> and keeps the first 1,000 for
/// training. The generator is MT19937; <c>seed(int)</c> feeds the absolute value's 32-bit
/// words, least significant first, to init_by_array; <c>shuffle</c> is Fisher–Yates from the
/// end with <c>_randbelow(i + 1)</c>, which draws <c>getrandbits(k)</c>, k the bit length of
/// i + 1, and rejects values ≥ i + 1; <c>getrandbits(k ≤ 32)</c> is <c>genrand_uint32() &gt;&gt; (32 − k)</c>.
/// Also the data loader's shuffling generator. Not thread-safe.
/// </summary>
public sealed class PythonRandom
{
    private const int N = 624;
    private const int M = 397;
    private const uint MatrixA = 0x9908b0dfU;
    private const uint UpperMask = 0x80000000U;
    private const uint LowerMask = 0x7fffffffU;

    private readonly uint[] _mt = new uint[N];
    private int _index;

    /// <summary><c>random.seed(seed)</c> for an integer seed.</summary>
    public PythonRandom(BigInteger seed)
    {
        InitByArray(Words(BigInteger.Abs(seed)));
    }

    public PythonRandom(long seed)
        : this(new BigInteger(seed))
    {
    }

    private static uint[] Words(BigInteger n)
    {
        if (n.IsZero) return [0];
        var bytes = n.ToByteArray(isUnsigned: true, isBigEndian: false);
        var words = new uint[(bytes.Length + 3) / 4];
        for (var i = 0; i < bytes.Length; i++) words[i / 4] |= (uint)bytes[i] << (8 * (i % 4));
        return words;
    }

    private void InitGenrand(uint s)
    {
        _mt[0] = s;
        for (var i = 1; i < N; i++)
            _mt[i] = unchecked(1812433253U * (_mt[i - 1] ^ (_mt[i - 1] >> 30)) + (uint)i);
        _index = N;
    }

    private void InitByArray(uint[] key)
    {
        InitGenrand(19650218U);
        int i = 1, j = 0;
        for (var k = Math.Max(N, key.Length); k > 0; k--)
        {
            _mt[i] = unchecked((_mt[i] ^ ((_mt[i - 1] ^ (_mt[i - 1] >> 30)) * 1664525U)) + key[j] + (uint)j);
            i++;
            j++;
            if (i >= N)
            {
                _mt[0] = _mt[N - 1];
                i = 1;
            }
            if (j >= key.Length) j = 0;
        }
        for (var k = N - 1; k > 0; k--)
        {
            _mt[i] = unchecked((_mt[i] ^ ((_mt[i - 1] ^ (_mt[i - 1] >> 30)) * 1566083941U)) - (uint)i);
            i++;
            if (i >= N)
            {
                _mt[0] = _mt[N - 1];
                i = 1;
            }
        }
        _mt[0] = 0x80000000U;
    }

    /// <summary>MT19937's next 32-bit output (genrand_uint32).</summary>
    public uint NextUInt32()
    {
        if (_index >= N)
        {
            int k;
            for (k = 0; k < N - M; k++)
            {
                var y = (_mt[k] & UpperMask) | (_mt[k + 1] & LowerMask);
                _mt[k] = _mt[k + M] ^ (y >> 1) ^ ((y & 1) != 0 ? MatrixA : 0);
            }
            for (; k < N - 1; k++)
            {
                var y = (_mt[k] & UpperMask) | (_mt[k + 1] & LowerMask);
                _mt[k] = _mt[k + (M - N)] ^ (y >> 1) ^ ((y & 1) != 0 ? MatrixA : 0);
            }
            var last = (_mt[N - 1] & UpperMask) | (_mt[0] & LowerMask);
            _mt[N - 1] = _mt[M - 1] ^ (last >> 1) ^ ((last & 1) != 0 ? MatrixA : 0);
            _index = 0;
        }
        var x = _mt[_index++];
        x ^= x >> 11;
        x ^= (x << 7) & 0x9d2c5680U;
        x ^= (x << 15) & 0xefc60000U;
        x ^= x >> 18;
        return x;
    }

    /// <summary><c>random.random()</c>: 53 random bits in [0, 1).</summary>
    public double Random()
    {
        var a = NextUInt32() >> 5;
        var b = NextUInt32() >> 6;
        return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
    }

    /// <summary><c>random.getrandbits(k)</c> for 0 ≤ k ≤ 64: 32-bit words, the first drawn least significant, the last shifted down.</summary>
    public ulong GetRandBits(int k)
    {
        if (k is < 0 or > 64) throw new ArgumentOutOfRangeException(nameof(k), k, "getrandbits supports 0..64 bits here");
        if (k == 0) return 0;
        if (k <= 32) return NextUInt32() >> (32 - k);
        ulong low = NextUInt32();
        ulong high = NextUInt32() >> (64 - k);
        return low | (high << 32);
    }

    /// <summary><c>random._randbelow(n)</c>: uniform in [0, n) by rejection on getrandbits(n.bit_length()).</summary>
    public long RandBelow(long n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "randbelow needs n > 0");
        var k = 64 - BitOperations.LeadingZeroCount((ulong)n);
        var r = GetRandBits(k);
        while (r >= (ulong)n) r = GetRandBits(k);
        return (long)r;
    }

    /// <summary><c>random.shuffle(x)</c> in place.</summary>
    public void Shuffle<T>(IList<T> x)
    {
        for (var i = x.Count - 1; i > 0; i--)
        {
            var j = (int)RandBelow(i + 1);
            (x[i], x[j]) = (x[j], x[i]);
        }
    }
}
