namespace AnomalyBench.Torch;

/// <summary>Device kinds, numbered as c10::DeviceType.</summary>
public enum DeviceType
{
    CPU = 0,
    CUDA = 1,
}

/// <summary>A device as PyTorch names it: <c>cpu</c>, <c>cuda</c>, <c>cuda:1</c>.</summary>
public readonly record struct Device(DeviceType Type, int Index = -1)
{
    public static readonly Device CPU = new(DeviceType.CPU);

    public static Device CUDA(int index = 0) => new(DeviceType.CUDA, index);

    /// <summary>Parses "cpu", "cuda" or "cuda:N"; anything else is an error naming the valid forms.</summary>
    public static Device Parse(string text)
    {
        var s = text.Trim().ToLowerInvariant();
        if (s == "cpu") return CPU;
        if (s == "cuda") return CUDA(0);
        if (s.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(s.AsSpan(5), out var index) && index >= 0)
            return CUDA(index);
        throw new FormatException($"unknown device '{text}': use cpu, cuda or cuda:N");
    }

    public override string ToString() => Type switch
    {
        DeviceType.CPU => "cpu",
        DeviceType.CUDA => Index < 0 ? "cuda" : $"cuda:{Index}",
        _ => $"{Type}:{Index}",
    };
}
