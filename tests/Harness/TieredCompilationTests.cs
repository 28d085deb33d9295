using NUnit.Framework;

namespace AnomalyBench.Tests.Harness;

/// <summary>
/// The harness runs without tiered compilation (its runtimeconfig), so that no background recompilation takes a core
/// from the training steps; the runtime's own variable still chooses otherwise.
/// </summary>
public class TieredCompilationTests
{
    private static readonly string[] Variables = ["DOTNET_TieredCompilation", "COMPlus_TieredCompilation"];

    [Test]
    public void TheHarnessRunsWithoutTieredCompilation()
    {
        var (output, _) = HarnessProcess.Succeed(["info"], Variables.ToDictionary(v => v, string? (_) => null));
        Assert.That(output, Does.Contain(".NET JIT: tiered compilation off (the harness's default"));
    }

    [Test]
    public void TheRuntimesVariableWins()
    {
        var environment = Variables.ToDictionary(v => v, string? (_) => null);
        environment["DOTNET_TieredCompilation"] = "1";
        var (output, _) = HarnessProcess.Succeed(["info"], environment);
        Assert.That(output, Does.Contain(".NET JIT: tiered compilation on (DOTNET_TieredCompilation from the environment)"));
    }
}
