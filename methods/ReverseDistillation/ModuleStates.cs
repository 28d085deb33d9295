// Checkpoint plumbing shared by RD4AD and ReContrast: several modules in one safetensors file, each under a prefix.

using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;

namespace AnomalyBench.Methods.ReverseDistillation;

internal static class ModuleStates
{
    /// <summary>Copies <paramref name="module"/>'s state dict (on the CPU) into <paramref name="state"/> under <paramref name="prefix"/>.</summary>
    public static void Add(StateDict state, string prefix, Module module)
    {
        using var part = module.state_dict();
        foreach (var key in part.Keys)
        {
            using var cpu = part[key].to(Device.CPU);
            state.Add(prefix + key, cpu.contiguous());
        }
    }

    /// <summary>Loads the entries of <paramref name="state"/> under <paramref name="prefix"/> into <paramref name="module"/> (strict).</summary>
    public static void Load(StateDict state, string prefix, Module module, string path)
    {
        var part = state.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(k => k[prefix.Length..], k => state[k], StringComparer.Ordinal);
        if (part.Count == 0) throw new InvalidDataException($"{path}: the checkpoint has no '{prefix}*' entries; it is incomplete");
        module.load_state_dict(part);
    }
}
