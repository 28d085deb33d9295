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
            var blas = torch.blas_library;
            output.WriteLine($"libtorch {torch.libtorch_version}, {torch.get_num_threads()} intra-op threads, BLAS {blas}");
            foreach (var line in BlasLines(blas)) output.WriteLine(line);
            output.WriteLine(OpenMpWaitPolicy.SetByHarness
                ? $"OpenMP wait policy {OpenMpWaitPolicy.Effective} (the harness's default; set {OpenMpWaitPolicy.PolicyVariable} or {OpenMpWaitPolicy.SpinCountVariable} to choose another)"
                : $"OpenMP wait policy {OpenMpWaitPolicy.Effective} (from the environment)");
            output.WriteLine(Jit);
            output.WriteLine(torch.cuda.is_available()
                ? $"devices: cpu, cuda ({torch.cuda.device_count()} GPU(s))"
                : "devices: cpu (no CUDA device, or a CPU-only libtorch)");
            return 0;
        });
        return command;
    }

    /// <summary>Which OpenBLAS build runs and on which threads, and which kernels it chose and why.</summary>
    private static IEnumerable<string> BlasLines(string blas)
    {
        var loaded = OpenBlasThreading.LoadedFrom is not null
            ? $"loaded by the harness from {OpenBlasThreading.LoadedFrom}; {OpenBlasThreading.ChoiceVariable}={OpenBlasThreading.SystemChoice} keeps the system's"
            : $"the system's: {OpenBlasThreading.NotLoadedBecause}";
        if (OpenBlasThreading.Describe(blas) is not { } openblas)
        {
            yield return $"BLAS threads: not OpenBLAS ({loaded})";
            yield break;
        }
        var advice = openblas.Threading.StartsWith("pthreads", StringComparison.Ordinal) && OpenBlasThreading.LoadedFrom is null
            ? $"; apt-get install {OpenBlasThreading.Package} to run it on OpenMP's threads"
            : "";
        var core = OpenBlasCoreType.SetByHarness is { } chosen
            ? $"{OpenBlasCoreType.Variable}={chosen} set by the harness from the CPU's instruction sets, as {OpenBlasCoreType.ChoiceVariable}={OpenBlasCoreType.CpuChoice} asks"
            : Environment.GetEnvironmentVariable(OpenBlasCoreType.Variable) is { Length: > 0 } user
                ? $"{OpenBlasCoreType.Variable}={user} from the environment"
                : "OpenBLAS's own choice";
        yield return $"BLAS threads: {openblas.Threading} ({loaded}{advice})";
        yield return $"BLAS kernels: {openblas.Core} ({core}); {openblas.Config}";
        if (OpenBlasCoreType.Advice(openblas.Core) is { } kernels) yield return $"note: {kernels}";
    }

    /// <summary>
    /// Whether the JIT recompiles hot methods in the background (the harness turns it off in its runtimeconfig; the
    /// runtime's variables override that).
    /// </summary>
    private static string Jit
    {
        get
        {
            var variable = new[] { "DOTNET_TieredCompilation", "COMPlus_TieredCompilation" }
                .FirstOrDefault(name => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name)));
            var on = variable is not null
                ? Environment.GetEnvironmentVariable(variable) != "0"
                : !AppContext.TryGetSwitch("System.Runtime.TieredCompilation", out var enabled) || enabled;
            var source = variable is not null ? $"{variable} from the environment" : "the harness's default; DOTNET_TieredCompilation=1 turns it on";
            return $".NET JIT: tiered compilation {(on ? "on" : "off")} ({source})";
        }
    }

    public static string Version =>
        typeof(InfoCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
}
