using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using AnomalyBench.Harness.Commands;
using AnomalyBench.Harness.Config;
using AnomalyBench.Methods;
using AnomalyBench.Torch;

namespace AnomalyBench.Harness.Runs;

/// <summary>
/// <c>manifest.json</c>: what produced the results — the resolved configuration (every method's
/// full hyper-parameters), git commit, .NET and libtorch versions, BLAS, device, threads, times.
/// </summary>
internal static class Manifest
{
    public static void Write(ResultsLayout layout, ExperimentConfig config, Device device, DateTimeOffset started, DateTimeOffset? finished)
    {
        var methods = new JsonArray(config.Methods.Select(m => (JsonNode)new JsonObject
        {
            ["name"] = m.Name,
            ["key"] = m.Key,
            ["profile"] = m.Profile.ToString().ToLowerInvariant(),
            ["options"] = JsonNode.Parse(MethodCheckpoint.OptionsJson(m.Options)),
        }).ToArray());
        var configNode = JsonSerializer.SerializeToNode(config with { Methods = [] }, RunResult.Json)!.AsObject();
        configNode["methods"] = methods;
        var manifest = new JsonObject
        {
            ["experiment"] = config.Experiment,
            ["harness_version"] = InfoCommand.Version,
            ["git_commit"] = GitCommit(),
            ["dotnet"] = RuntimeInformation.FrameworkDescription,
            ["os"] = RuntimeInformation.OSDescription,
            ["libtorch"] = torch.libtorch_version,
            ["blas"] = torch.blas_library,
            // The kernels and threading of OpenBLAS, which set the rounding of every matrix product (OpenBlasCoreType).
            ["blas_config"] = OpenBlasThreading.Describe(torch.blas_library) is { } openblas ? $"{openblas.Config}; {openblas.Threading}" : null,
            ["device"] = device.ToString(),
            ["threads"] = torch.get_num_threads(),
            ["started"] = started.ToString("O"),
            ["finished"] = finished?.ToString("O"),
            ["config"] = configNode,
        };
        Directory.CreateDirectory(layout.Root);
        AtomicFile.WriteAllText(layout.Manifest, manifest.ToJsonString(RunResult.Json));
    }

    private static string? GitCommit()
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", "rev-parse HEAD")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = AppContext.BaseDirectory,
            });
            if (git is null) return null;
            var commit = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 ? commit : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
