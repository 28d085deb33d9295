using AnomalyBench.Torch;
using NUnit.Framework;

namespace AnomalyBench.Tests.Harness;

/// <summary>
/// libgomp must see the harness's short spin count in its own (native) environment when it loads, unless the user chose otherwise. Only a
/// fresh process shows that: each case starts <c>harness info</c> with <c>OMP_DISPLAY_ENV=verbose</c>, which makes
/// libgomp print the settings it read at load time.
/// </summary>
public class OpenMpWaitPolicyTests
{
    [Test]
    public void LibgompLoadsWithAShortSpinByDefault()
    {
        var (output, error) = HarnessInfo(new() { ["OMP_WAIT_POLICY"] = null, ["GOMP_SPINCOUNT"] = null });
        Assert.That(error, Does.Contain($"GOMP_SPINCOUNT = '{OpenMpWaitPolicy.DefaultSpinCount}'"), "libgomp's own view (its default spins 300000 times)");
        Assert.That(output, Does.Contain($"OpenMP wait policy GOMP_SPINCOUNT={OpenMpWaitPolicy.DefaultSpinCount} (the harness's default"));
    }

    [Test]
    public void TheUsersPolicyIsKept()
    {
        var (output, error) = HarnessInfo(new() { ["OMP_WAIT_POLICY"] = "ACTIVE", ["GOMP_SPINCOUNT"] = null });
        Assert.That(error, Does.Contain("OMP_WAIT_POLICY = 'ACTIVE'"));
        Assert.That(error, Does.Not.Contain($"GOMP_SPINCOUNT = '{OpenMpWaitPolicy.DefaultSpinCount}'"));
        Assert.That(output, Does.Contain("OpenMP wait policy ACTIVE (from the environment)"));
    }

    [Test]
    public void TheUsersSpinCountLeavesThePolicyToLibgomp()
    {
        var (output, error) = HarnessInfo(new() { ["OMP_WAIT_POLICY"] = null, ["GOMP_SPINCOUNT"] = "2500" });
        Assert.That(error, Does.Contain("GOMP_SPINCOUNT = '2500'"), "a spin count the user set is not overridden");
        Assert.That(output, Does.Contain("OpenMP wait policy GOMP_SPINCOUNT=2500 (from the environment)"));
    }

    [Test]
    public void ThisProcessRunsWithAPolicy() =>
        Assert.That(OpenMpWaitPolicy.Effective, Is.Not.Empty, "the module initializer ran before the first native call");

    private static (string Output, string Error) HarnessInfo(Dictionary<string, string?> environment) =>
        HarnessProcess.Succeed(["info"], new(environment) { ["OMP_DISPLAY_ENV"] = "verbose" });
}
