using AnomalyBench.Torch;
using NUnit.Framework;
using F = AnomalyBench.Torch.torch.nn.functional;

namespace AnomalyBench.Tests.Torch;

/// <summary>The bridge itself: errors, tensor lifetime, engine settings.</summary>
public class BridgeTests
{
    [Test]
    public void AnInvalidOpCallThrowsWithLibtorchsMessageAndTheOpName()
    {
        using var x = torch.randn(1, 4, 8, 8);
        using var w = torch.randn(6, 4, 3, 3);
        var error = Assert.Throws<TorchException>(() => F.conv2d(x, w, groups: 3).Dispose())!;
        Assert.That(error.Message, Does.Contain("aten::conv2d"));
        Assert.That(error.Message, Does.Contain("groups").Or.Contain("divisible"), "libtorch's own explanation");
        // The process and the engine go on.
        using var y = F.conv2d(x, w, padding: 1);
        Assert.That(y.shape, Is.EqualTo(new long[] { 1, 6, 8, 8 }));
    }

    [Test]
    public void ShapeMismatchesAreReportedNotFatal()
    {
        using var a = torch.ones(2, 3);
        using var b = torch.ones(4, 5);
        var error = Assert.Throws<TorchException>(() => a.mm(b).Dispose())!;
        Assert.That(error.Message, Does.StartWith("aten::mm:"));
        Assert.That(error.Message, Does.Contain("2x3").And.Contain("4x5"));
    }

    [Test]
    public void AHugeAllocationIsAnOutOfMemoryErrorThatSaysWhatToDo()
    {
        var error = Assert.Throws<TorchOutOfMemoryException>(() => torch.empty([1L << 42]).Dispose())!;
        Assert.That(error.Message, Does.Contain("batch size"));
    }

    [Test]
    public void UsingADisposedTensorIsAnObjectDisposedError()
    {
        var x = torch.ones(2);
        x.Dispose();
        Assert.That(x.IsDisposed, Is.True);
        Assert.Throws<ObjectDisposedException>(() => x.add(1));
        x.Dispose();
    }

    [Test]
    public void AHundredThousandOpCallsInDisposeScopesLeaveTheLiveCountWhereItStarted()
    {
        using var x = torch.ones(4);
        var before = Tensor.LiveCount;
        for (var step = 0; step < 1000; step++)
        {
            using var scope = torch.NewDisposeScope();
            var y = x;
            for (var k = 0; k < 100; k++) y = y.mul(1.0).add(0.0);
            Assert.That(scope.Count, Is.EqualTo(200));
        }
        Assert.That(Tensor.LiveCount, Is.EqualTo(before));
    }

    [Test]
    public void TensorsMovedOutOfAScopeSurviveIt()
    {
        var before = Tensor.LiveCount;
        Tensor kept;
        using (var outer = torch.NewDisposeScope())
        {
            using (torch.NewDisposeScope())
            {
                torch.ones(3);
                kept = torch.ones(3).mul(2).MoveToOuterDisposeScope();
            }
            Assert.That(kept.IsDisposed, Is.False);
            Assert.That(outer.Count, Is.EqualTo(1));
            Assert.That(kept.sum().item<float>(), Is.EqualTo(6));
        }
        Assert.That(kept.IsDisposed, Is.True, "the outer scope owned it");
        Assert.That(Tensor.LiveCount, Is.EqualTo(before));

        Tensor detached;
        using (torch.NewDisposeScope()) detached = torch.ones(2).DetachFromDisposeScope();
        Assert.That(detached.IsDisposed, Is.False);
        detached.Dispose();
        Assert.That(Tensor.LiveCount, Is.EqualTo(before));
    }

    [Test]
    public void ListResultsLargerThanTheInlineBufferAreFreedToo()
    {
        var before = Tensor.LiveCount;
        using (torch.NewDisposeScope())
        {
            var parts = torch.arange(100).split(1);
            Assert.That(parts, Has.Length.EqualTo(100));
        }
        Assert.That(Tensor.LiveCount, Is.EqualTo(before));
    }

    [Test]
    public void TheThreadCountDefaultsToTheMachinesCoresOnEveryThread()
    {
        var expected = int.TryParse(Environment.GetEnvironmentVariable("ANOMALYBENCH_THREADS"), out var n) ? n : Environment.ProcessorCount;
        Assert.That(torch.get_num_threads(), Is.EqualTo(expected));
        var seenOnAnotherThread = 0;
        var thread = new Thread(() => seenOnAnotherThread = torch.get_num_threads());
        thread.Start();
        thread.Join();
        Assert.That(seenOnAnotherThread, Is.EqualTo(expected), "libtorch's OpenMP count is per OS thread");
    }

    [Test]
    public void TheThreadCountIsConfigurable()
    {
        var original = torch.get_num_threads();
        try
        {
            torch.set_num_threads(1);
            Assert.That(torch.get_num_threads(), Is.EqualTo(1));
            var other = 0;
            var thread = new Thread(() => other = torch.get_num_threads());
            thread.Start();
            thread.Join();
            Assert.That(other, Is.EqualTo(1));
            // libtorch starts a .NET thread at one OpenMP thread: 3 distinguishes the configured count from that.
            torch.set_num_threads(3);
            var seenByOps = 0;
            var worker = new Thread(() =>
            {
                using var x = torch.ones(2).add(1);
                seenByOps = AnomalyBench.Torch.Native.NativeMethods.abt_get_num_threads();
            });
            worker.Start();
            worker.Join();
            Assert.That(seenByOps, Is.EqualTo(3), "a thread that only runs ops gets the configured count too");
            Assert.Throws<ArgumentOutOfRangeException>(() => torch.set_num_threads(0));
        }
        finally
        {
            torch.set_num_threads(original);
        }
    }

    [Test]
    public void TheBlasLibraryIsReportedAndTheReferenceBlasIsRecognised()
    {
        Assert.That(torch.blas_library, Is.Not.Empty);
        Assert.That(Engine.IsReferenceBlas("/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0"), Is.True);
        Assert.That(Engine.IsReferenceBlas("/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3"), Is.False);
        Assert.That(Engine.IsReferenceBlas("(none: BLAS linked statically or absent)"), Is.False);
    }

    [Test]
    public void DevicesParseAsPyTorchNamesThem()
    {
        Assert.That(Device.Parse("cpu"), Is.EqualTo(Device.CPU));
        Assert.That(Device.Parse("cuda:1"), Is.EqualTo(Device.CUDA(1)));
        Assert.That(Device.Parse("CUDA").ToString(), Is.EqualTo("cuda:0"));
        var error = Assert.Throws<FormatException>(() => Device.Parse("gpu"))!;
        Assert.That(error.Message, Does.Contain("cpu, cuda or cuda:N"));
    }

    [Test]
    public void CudaQueriesAnswerOnACpuOnlyMachine()
    {
        Assert.That(torch.cuda.device_count(), Is.GreaterThanOrEqualTo(0));
        if (!torch.cuda.is_available())
        {
            var error = Assert.Throws<TorchException>(() => torch.ones([1], device: Device.CUDA(0)).Dispose())!;
            Assert.That(error.Message, Does.Contain("CUDA"));
        }
    }
}
