using System.Globalization;
using AnomalyBench.Methods;
using AnomalyBench.Torch;

namespace AnomalyBench.Harness.SelfCheck;

/// <summary>Runs the self-check's three parts (engine, ops, methods with their cost) and prints the readable report.</summary>
internal static class SelfCheckRunner
{
    /// <param name="tolerance">maps (op name or method key, stated tolerance) to the one applied; null keeps the stated ones.</param>
    public static SelfCheckReport Run(MethodRegistry registry, Device device, bool quick, TextWriter output, Func<string, double, double>? tolerance = null)
    {
        var engine = new EngineInfo(device.ToString(), DeviceNames.Of(device), torch.libtorch_version, torch.cuda.is_available(),
            torch.cuda.is_available() ? torch.cuda.device_count() : 0, torch.get_num_threads());
        output.WriteLine($"engine: {engine.Device} ({engine.DeviceName}), libtorch {engine.LibtorchVersion}, CUDA available: {(engine.CudaAvailable ? $"yes, {engine.CudaDeviceCount} GPU(s)" : "no")}, {engine.Threads} CPU threads");
        output.WriteLine($"ops: CPU vs {device}, error = max |diff| / max |CPU value|");
        var ops = OpChecks.Run(device, tolerance);
        foreach (var op in ops)
            output.WriteLine($"  {(op.Passed ? "ok  " : "FAIL")} {op.Name,-36} error {F(op.Error),-10} tolerance {F(op.Tolerance)}{(op.Message is null ? "" : $"  ({op.Message})")}");
        var against = device.Type == DeviceType.CUDA ? "against the same run on CPU"
            : quick ? "against itself (--quick on CPU; PatchCore always)" : "against a second CPU run";
        output.WriteLine($"methods: fit + predict a generated 'wood' category (8 train, 8 test) on {device}, {against}");
        var methods = MethodChecks.Run(registry, device, quick, output, tolerance);
        foreach (var m in methods)
        {
            output.WriteLine($"  {(m.Passed ? "ok  " : "FAIL")} {m.Key,-11} [{m.Settings}]");
            output.WriteLine($"       scores vs CPU {F(m.ScoreError)} of range (tolerance {F(m.ScoreTolerance)}{(m.Trains && device.Type == DeviceType.CUDA ? ", not checked: trained" : "")}), " +
                $"I-AUROC {F(m.AurocDevice)} vs {F(m.AurocCpu)} (band {F(m.AurocBand)}), leaked tensors {m.LeakedTensors}");
            output.WriteLine($"       fit {m.FitSeconds:F1} s, predict {m.ImagesPerSecondBatch1:F1} img/s at batch 1, {m.ImagesPerSecondBatch:F1} img/s at batch {m.Batch}, " +
                $"peak CUDA {(m.PeakCudaBytes is { } b ? $"{b / 1048576.0:F0} MiB" : "n/a")}");
            if (m.Message is not null) output.WriteLine($"       {m.Message}");
        }
        var report = new SelfCheckReport(engine, ops, methods, quick);
        output.WriteLine(report.Passed ? "selfcheck passed" : $"selfcheck FAILED: {string.Join(", ", report.Failures)}");
        return report;
    }

    private static string F(double v) => double.IsNaN(v) ? "n/a" : v.ToString("G3", CultureInfo.InvariantCulture);
}
