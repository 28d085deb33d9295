using AnomalyBench.Torch;
using NUnit.Framework;

namespace AnomalyBench.Tests.Torch;

public class ThreadCountTests
{
    private static int OnNewThread(Func<int> body)
    {
        var result = 0;
        var thread = new Thread(() => result = body());
        thread.Start();
        thread.Join();
        return result;
    }

    [Test]
    public void AThreadsOwnCountLeavesTheOtherThreadsAlone()
    {
        var processWide = torch.get_num_threads();
        var own = OnNewThread(() =>
        {
            torch.set_num_threads_for_current_thread(1);
            using var x = torch.randn(512, 512);
            using var y = x.mm(x);
            return torch.get_num_threads();
        });
        Assert.That(own, Is.EqualTo(1));
        Assert.That(torch.get_num_threads(), Is.EqualTo(processWide), "the calling thread keeps its count");
        Assert.That(OnNewThread(torch.get_num_threads), Is.EqualTo(processWide), "a new thread starts from the process-wide count");
        Assert.That(OnNewThread(() =>
        {
            torch.set_num_threads_for_current_thread(1);
            torch.set_num_threads_for_current_thread(0);
            return torch.get_num_threads();
        }), Is.EqualTo(processWide), "0 follows the process-wide count again");
    }
}
