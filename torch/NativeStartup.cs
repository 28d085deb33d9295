using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace AnomalyBench.Torch;

/// <summary>
/// What must happen before the native shim (and with it libtorch, libgomp and the BLAS) first loads. A module
/// initializer runs before any other code of this assembly, and so before the first call into the shim. The order
/// matters: libgomp and OpenBLAS read their environment once, when they load, and loading the OpenMP build of OpenBLAS
/// loads both.
/// </summary>
internal static class NativeStartup
{
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries",
        Justification = "libgomp and the BLAS are chosen when the native shim first loads; only a module initializer is guaranteed to run before that.")]
    internal static void Run()
    {
        OpenMpWaitPolicy.Apply();
        OpenBlasCoreType.Apply();
        OpenBlasThreading.Load();
    }

    /// <summary>
    /// The variables <see cref="Run"/> set in this process's environment as the engine's defaults (the user had set
    /// none of them). A child process inherits them and would take them for the user's choice.
    /// </summary>
    internal static IReadOnlyList<string> VariablesSet =>
    [
        .. OpenMpWaitPolicy.SetByHarness ? [OpenMpWaitPolicy.SpinCountVariable] : Array.Empty<string>(),
        .. OpenBlasCoreType.SetByHarness is not null ? [OpenBlasCoreType.Variable] : Array.Empty<string>(),
    ];
}
