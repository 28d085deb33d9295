using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace AnomalyBench.Benchmarks;

/// <summary>
/// Runs the BenchmarkDotNet suites; pass BenchmarkDotNet's own arguments, e.g.
/// <c>dotnet run -c Release --project benchmarks -- --filter '*Bridge*'</c>.
/// Reports go to results/benchmarks/ under the repository root.
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        var config = DefaultConfig.Instance.WithArtifactsPath(ResultsDirectory());
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
    }

    /// <summary>results/benchmarks/ under the repository root (also from BenchmarkDotNet's child processes, which run below it).</summary>
    internal static string ResultsDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AnomalyBench.sln")))
                return Path.Combine(dir.FullName, "results", "benchmarks");
        }
        return Path.Combine(Directory.GetCurrentDirectory(), "results", "benchmarks");
    }
}
