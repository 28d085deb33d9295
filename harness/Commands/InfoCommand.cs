using System.CommandLine;
using System.Reflection;
using AnomalyBench.Torch;

namespace AnomalyBench.Harness.Commands;

/// <summary><c>harness info</c>: the version and the engine this machine runs (libtorch, threads, BLAS, devices).</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var command = new Command("info", "Print the harness version and the engine: libtorch, threads, OpenMP wait policy, BLAS, devices.");
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            output.WriteLine($"AnomalyBench {Version}");
            output.WriteLine($"libtorch {torch.libtorch_version}, {torch.get_num_threads()} intra-op threads, BLAS {torch.blas_library}");
            output.WriteLine(OpenMpWaitPolicy.SetByHarness
                ? $"OpenMP wait policy {OpenMpWaitPolicy.Effective} (the harness's default; set {OpenMpWaitPolicy.PolicyVariable} or {OpenMpWaitPolicy.SpinCountVariable} to choose another)"
                : $"OpenMP wait policy {OpenMpWaitPolicy.Effective} (from the environment)");
            output.WriteLine(torch.cuda.is_available()
                ? $"devices: cpu, cuda ({torch.cuda.device_count()} GPU(s))"
                : "devices: cpu (no CUDA device, or a CPU-only libtorch)");
            return 0;
        });
        return command;
    }

    public static string Version =>
        typeof(InfoCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
}
