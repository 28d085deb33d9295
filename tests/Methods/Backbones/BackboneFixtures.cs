using AnomalyBench.Methods.Backbones;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Serialization;
using NUnit.Framework;

namespace AnomalyBench.Tests.Methods.Backbones;

/// <summary>The torchvision fixtures (shared/fixtures/torchvision/README.md) and comparisons on them.</summary>
internal static class BackboneFixtures
{
    public static string Path(string name) => Shared.Path("fixtures", "torchvision", name);

    /// <summary><c>ResNet(BasicBlock, [1,1,1,1], num_classes=10)</c>.</summary>
    public static ResNet BasicNet(bool init_weights = false) =>
        new(new ResNetConfig(ResNetBlock.BasicBlock, [1, 1, 1, 1]) { NumClasses = 10 }, init_weights);

    /// <summary><c>ResNet(Bottleneck, [1,1,1,1], width_per_group=128)</c> without layer4 and fc.</summary>
    public static ResNet WideBottleneckNet(bool init_weights = false) =>
        new(new ResNetConfig(ResNetBlock.Bottleneck, [1, 1, 1]) { NumClasses = null, WidthPerGroup = 128 }, init_weights);

    public static StateDict Load(string name) =>
        name.EndsWith(".safetensors", StringComparison.Ordinal) ? Safetensors.Load(Path(name)) : PyTorchCheckpoint.Load(Path(name));

    /// <summary>max |actual − expected| (both moved to the CPU).</summary>
    public static double MaxAbsDiff(Tensor actual, Tensor expected)
    {
        Assert.That(actual.shape, Is.EqualTo(expected.shape), "shape");
        using var a = actual.to(Device.CPU, ScalarType.Float64);
        using var e = expected.to(Device.CPU, ScalarType.Float64);
        using var d = a.sub(e);
        using var abs = d.abs();
        using var max = abs.max();
        return max.item<double>();
    }

    /// <summary>‖actual − expected‖ / ‖expected‖.</summary>
    public static double RelativeError(Tensor actual, Tensor expected)
    {
        Assert.That(actual.shape, Is.EqualTo(expected.shape), "shape");
        using var a = actual.to(Device.CPU, ScalarType.Float64);
        using var e = expected.to(Device.CPU, ScalarType.Float64);
        using var d = a.sub(e);
        using var dn = d.norm();
        using var en = e.norm();
        return dn.item<double>() / en.item<double>();
    }

    /// <summary>The native tensor count after collecting garbage, so that other tests' finalizers do not shift it.</summary>
    public static long LiveTensors()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return Tensor.LiveCount;
    }
}

/// <summary>A weights folder under the system temp directory, deleted with everything in it.</summary>
internal sealed class TempWeightsFolder : IDisposable
{
    public TempWeightsFolder() => Directory.CreateDirectory(Root);

    public string Root { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"anomalybench-weights-{Guid.NewGuid():N}");

    /// <summary>Copies a fixture into the folder under <paramref name="name"/> (which may contain a sub-folder).</summary>
    public string Copy(string fixture, string name)
    {
        var target = System.IO.Path.Combine(Root, name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
        System.IO.File.Copy(BackboneFixtures.Path(fixture), target, overwrite: true);
        return target;
    }

    public string File(string name) => System.IO.Path.Combine(Root, name);

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
