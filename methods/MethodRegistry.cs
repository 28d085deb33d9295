namespace AnomalyBench.Methods;

/// <summary>The methods the harness knows, by key. Immutable: built once from the methods' own descriptions.</summary>
public sealed class MethodRegistry
{
    private readonly IReadOnlyDictionary<string, MethodInfo> _byKey;

    public MethodRegistry(IEnumerable<MethodInfo> methods)
    {
        All = methods.OrderBy(m => m.Key, StringComparer.Ordinal).ToList();
        _byKey = All.ToDictionary(m => m.Key, StringComparer.Ordinal);
    }

    /// <summary>Every method of this project.</summary>
    public static MethodRegistry Default { get; } = new([
        PatchCore.PatchCoreMethod.Info, Cfa.CfaMethod.Info, ReConPatch.ReConPatchMethod.Info, Rd4ad.Rd4adMethod.Info, ReContrast.ReContrastMethod.Info, Fyd.FydMethod.Info,
        Ssm.SsmMethod.Info,
    ]);

    public IReadOnlyList<MethodInfo> All { get; }

    public IEnumerable<string> Keys => All.Select(m => m.Key);

    public bool TryGet(string key, out MethodInfo method) => _byKey.TryGetValue(key, out method!);

    public MethodInfo Get(string key) =>
        _byKey.TryGetValue(key, out var m) ? m : throw new KeyNotFoundException($"unknown method '{key}'; known methods: {string.Join(", ", Keys)}");
}
