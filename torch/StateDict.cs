using System.Collections;

namespace AnomalyBench.Torch;

/// <summary>
/// An ordered name → tensor map, as PyTorch's <c>state_dict()</c> (an OrderedDict):
/// what modules export and load, and what checkpoint readers and writers exchange.
/// It owns its tensors: disposing it disposes every tensor it holds.
/// </summary>
public sealed class StateDict : IReadOnlyDictionary<string, Tensor>, IDisposable
{
    private readonly List<string> _order = [];
    private readonly Dictionary<string, Tensor> _tensors = new(StringComparer.Ordinal);

    /// <summary>Free-form string metadata (safetensors <c>__metadata__</c>, checkpoint hyper-parameters).</summary>
    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    /// <summary>Adds a tensor under a new key; the state dict takes ownership (it leaves any dispose scope).</summary>
    public void Add(string key, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!_tensors.TryAdd(key, tensor)) throw new ArgumentException($"duplicate state-dict key '{key}'", nameof(key));
        tensor.DetachFromDisposeScope();
        _order.Add(key);
    }

    public Tensor this[string key] =>
        _tensors.TryGetValue(key, out var t) ? t : throw new KeyNotFoundException($"no tensor named '{key}' in the state dict");

    public IEnumerable<string> Keys => _order;
    public IEnumerable<Tensor> Values => _order.Select(k => _tensors[k]);
    public int Count => _order.Count;
    public bool ContainsKey(string key) => _tensors.ContainsKey(key);

    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out Tensor value) =>
        _tensors.TryGetValue(key, out value);

    public IEnumerator<KeyValuePair<string, Tensor>> GetEnumerator() =>
        _order.Select(k => new KeyValuePair<string, Tensor>(k, _tensors[k])).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public void Dispose()
    {
        foreach (var t in _tensors.Values) t.Dispose();
        _tensors.Clear();
        _order.Clear();
    }
}
