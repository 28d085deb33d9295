using System.Reflection;
using AnomalyBench.Torch;

namespace AnomalyBench.Harness;

/// <summary>
/// The harness entry point. For now it reports the engine it runs on; the
/// runner issue turns it into the sweep over experiments.yaml.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var version = typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        Console.WriteLine($"AnomalyBench {version}");
        Console.WriteLine($"libtorch {torch.libtorch_version}, {torch.get_num_threads()} intra-op threads, BLAS {torch.blas_library}");
        Console.WriteLine(torch.cuda.is_available()
            ? $"device: cuda ({torch.cuda.device_count()} GPU(s))"
            : "device: cpu (no CUDA device or a CPU-only libtorch)");
        if (args.Length > 0)
        {
            Console.Error.WriteLine($"experiment runs are not implemented yet; '{string.Join(' ', args)}' was not run.");
            return 2;
        }
        return 0;
    }
}
