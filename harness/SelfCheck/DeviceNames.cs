using AnomalyBench.Torch;

namespace AnomalyBench.Harness.SelfCheck;

/// <summary>
/// The human name of a device, for the report. The shim exposes no CUDA device properties (it links no CUDA runtime
/// headers; ARCHITECTURE.md keeps it small), so the NVIDIA driver's /proc entries give the GPU's model and
/// /proc/cpuinfo the CPU's; "unknown" where they are absent. The driver lists GPUs by PCI bus, which is CUDA's order
/// when CUDA_DEVICE_ORDER=PCI_BUS_ID and on single-GPU machines.
/// </summary>
internal static class DeviceNames
{
    public static string Of(Device device)
    {
        try
        {
            return device.Type == DeviceType.CUDA ? Gpu(Math.Max(device.Index, 0)) : Cpu();
        }
        catch (IOException)
        {
            return "unknown";
        }
        catch (UnauthorizedAccessException)
        {
            return "unknown";
        }
    }

    private static string Gpu(int index)
    {
        const string root = "/proc/driver/nvidia/gpus";
        if (!Directory.Exists(root)) return "unknown";
        var gpus = Directory.GetDirectories(root).Order(StringComparer.Ordinal).ToList();
        if (index >= gpus.Count) return "unknown";
        var info = Path.Combine(gpus[index], "information");
        return File.Exists(info) ? Field(File.ReadLines(info), "Model") ?? "unknown" : "unknown";
    }

    private static string Cpu() =>
        File.Exists("/proc/cpuinfo") ? Field(File.ReadLines("/proc/cpuinfo"), "model name") ?? "unknown" : "unknown";

    private static string? Field(IEnumerable<string> lines, string name) =>
        lines.Where(l => l.StartsWith(name, StringComparison.Ordinal) && l.Contains(':'))
            .Select(l => l[(l.IndexOf(':') + 1)..].Trim()).FirstOrDefault();
}
