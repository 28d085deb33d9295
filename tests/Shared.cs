using NUnit.Framework;

namespace AnomalyBench.Tests;

/// <summary>
/// Locates <c>../shared</c> (beside the repository root): fixtures and data sets
/// that tests read in place and never copy into the project.
/// ANOMALYBENCH_SHARED overrides the location.
/// </summary>
public static class Shared
{
    private static readonly Lazy<string> s_root = new(Locate);

    public static string Root => s_root.Value;

    /// <summary>A path under shared/, e.g. <c>Shared.Path("fixtures", "torchvision", "basic_1111.pth")</c>.</summary>
    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string Locate()
    {
        var overridden = Environment.GetEnvironmentVariable("ANOMALYBENCH_SHARED");
        if (!string.IsNullOrEmpty(overridden)) return overridden;
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "AnomalyBench.sln")))
            {
                var shared = System.IO.Path.Combine(dir.Parent?.FullName ?? dir.FullName, "shared");
                if (Directory.Exists(shared)) return shared;
                throw new DirectoryNotFoundException(
                    $"the shared folder is expected beside the repository root, at {shared}; set ANOMALYBENCH_SHARED to its location");
            }
        }
        throw new DirectoryNotFoundException("could not find the repository root (AnomalyBench.sln) above the test directory");
    }
}
