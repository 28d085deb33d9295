using AnomalyBench.Torch;
using NUnit.Framework;

namespace AnomalyBench.Tests.Torch.Serialization;

/// <summary>A folder under the system temp directory, deleted with everything in it.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(Root);

    public string Root { get; } = Path.Combine(Path.GetTempPath(), $"anomalybench-serialization-{Guid.NewGuid():N}");

    public string File(string name) => Path.Combine(Root, name);

    /// <summary>Writes the first <paramref name="length"/> bytes of <paramref name="source"/> to a new file here.</summary>
    public string Truncated(string source, long length, string? name = null)
    {
        var bytes = System.IO.File.ReadAllBytes(source);
        var path = File(name ?? $"{length}-{Path.GetFileName(source)}");
        System.IO.File.WriteAllBytes(path, bytes.AsSpan(0, (int)length).ToArray());
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal static class TensorAssert
{
    /// <summary>The native tensor count after collecting garbage, so that other tests' finalizers do not shift it.</summary>
    public static long LiveTensors()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return Tensor.LiveCount;
    }

    /// <summary>Same keys in the same order, same dtypes, shapes and bytes.</summary>
    public static void SameTensors(StateDict actual, StateDict expected)
    {
        Assert.That(actual.Keys, Is.EqualTo(expected.Keys));
        foreach (var (key, e) in expected)
        {
            var a = actual[key];
            Assert.That(a.dtype, Is.EqualTo(e.dtype), key);
            Assert.That(a.shape, Is.EqualTo(e.shape), key);
            SameBytes(a, e, key);
        }
    }

    /// <summary>Bit-identical elements (compared as spans: NUnit's element-wise collection compare takes seconds on megabytes).</summary>
    public static void SameBytes(Tensor actual, Tensor expected, string what)
    {
        var a = actual.bytes();
        var e = expected.bytes();
        var mismatch = a.AsSpan().CommonPrefixLength(e);
        if (mismatch == a.Length && a.Length == e.Length) return;
        Assert.Fail($"{what}: {a.Length} bytes vs {e.Length} expected, first difference at byte {mismatch}");
    }
}
