namespace AnomalyBench.Harness.SelfCheck;

/// <summary>What <c>harness selfcheck</c> found, as its JSON file holds it: the engine, each op, each method, and whether all passed.</summary>
public sealed record SelfCheckReport(EngineInfo Engine, IReadOnlyList<OpCheck> Ops, IReadOnlyList<MethodCheck> Methods, bool Quick)
{
    public bool Passed => Ops.All(o => o.Passed) && Methods.All(m => m.Passed);

    /// <summary>The names of the checks that failed, "op:matmul" or "method:cfa".</summary>
    public IReadOnlyList<string> Failures =>
        [.. Ops.Where(o => !o.Passed).Select(o => $"op:{o.Name}"), .. Methods.Where(m => !m.Passed).Select(m => $"method:{m.Key}")];
}

/// <summary>The engine the check ran on.</summary>
public sealed record EngineInfo(string Device, string DeviceName, string LibtorchVersion, bool CudaAvailable, int CudaDeviceCount, int Threads);

/// <summary>
/// One op run from the same seeded inputs on CPU (the reference) and on the target device. The error is the largest
/// absolute difference divided by the reference's largest magnitude (plus 1e-12), so that one tolerance reads the same
/// for ops of different scales; the op passes when the error is within <paramref name="Tolerance"/>.
/// </summary>
public sealed record OpCheck(string Name, double Tolerance, double Error, bool Passed, string? Message = null);

/// <summary>
/// One method fitted and predicted on the target device and on CPU from the same seed and data.
/// <paramref name="ScoreError"/>: the largest image-score difference divided by the CPU scores' range;
/// <paramref name="ScoreTolerance"/> is checked for methods without training, <paramref name="AurocBand"/>
/// (|I-AUROC difference|) for trained ones, whose CPU and CUDA runs follow different float orders through many
/// optimiser steps. <paramref name="LeakedTensors"/>: tensors alive after the method and its outputs were disposed.
/// </summary>
public sealed record MethodCheck(
    string Key,
    bool Trains,
    string Settings,
    double ScoreError,
    double ScoreTolerance,
    double AurocDevice,
    double AurocCpu,
    double AurocBand,
    long LeakedTensors,
    double FitSeconds,
    double ImagesPerSecondBatch1,
    double ImagesPerSecondBatch,
    int Batch,
    long? PeakCudaBytes,
    bool Passed,
    string? Message = null);
