using AnomalyBench.Torch;
using NUnit.Framework;

namespace AnomalyBench.Tests.Torch;

public class SmokeTests
{
    [Test]
    public void AddsTwoTensors()
    {
        using var a = torch.from_array(new float[] { 1, 2, 3 });
        using var b = torch.from_array(new float[] { 10, 20, 30 });
        using var c = a + b;
        Assert.That(c.data<float>(), Is.EqualTo(new float[] { 11, 22, 33 }));
        TestContext.Out.WriteLine($"threads {torch.get_num_threads()} blas {torch.blas_library} version {torch.libtorch_version}");
    }
}
