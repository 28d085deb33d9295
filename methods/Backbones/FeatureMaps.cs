using System.Collections;
using AnomalyBench.Torch;

namespace AnomalyBench.Methods.Backbones;

/// <summary>
/// Feature maps by stage name (<c>layer2</c>, <c>layer3</c>), in the order they were requested.
/// It owns its tensors: disposing it disposes each of them. They also stay in the dispose scope
/// that was open when they were computed, so a training step's scope frees them even when the
/// maps themselves are not disposed.
/// </summary>
public sealed class FeatureMaps : IReadOnlyDictionary<string, Tensor>, IDisposable
{
    private readonly List<KeyValuePair<string, Tensor>> _maps = [];

    /// <summary>Adds a stage's map; the maps take ownership.</summary>
    internal void Add(string stage, Tensor map)
    {
        if (ContainsKey(stage)) throw new ArgumentException($"stage '{stage}' is already present", nameof(stage));
        _maps.Add(new(stage, map));
    }

    /// <summary>The map at a position of the requested order.</summary>
    public Tensor this[int index] => _maps[index].Value;

    public Tensor this[string key] =>
        TryGetValue(key, out var t) ? t : throw new KeyNotFoundException($"no feature map named '{key}'; present: {string.Join(", ", Keys)}");

    public IEnumerable<string> Keys => _maps.Select(m => m.Key);
    public IEnumerable<Tensor> Values => _maps.Select(m => m.Value);
    public int Count => _maps.Count;
    public bool ContainsKey(string key) => _maps.Exists(m => m.Key == key);

    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out Tensor value)
    {
        foreach (var (k, v) in _maps)
        {
            if (k == key)
            {
                value = v;
                return true;
            }
        }
        value = null;
        return false;
    }

    public IEnumerator<KeyValuePair<string, Tensor>> GetEnumerator() => _maps.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public void Dispose()
    {
        foreach (var (_, t) in _maps) t.Dispose();
        _maps.Clear();
    }
}
