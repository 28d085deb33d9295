using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using AnomalyBench.Methods.Backbones;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using AnomalyBench.Torch.Serialization;

namespace AnomalyBench.Methods;

/// <summary>
/// The checkpoint format of every method: one safetensors file whose tensors are the fitted
/// state and whose metadata holds the method key and its hyper-parameters as JSON, so a
/// checkpoint says what produced it and cannot be loaded into another method by mistake.
/// </summary>
public static class MethodCheckpoint
{
    public const string MethodKey = "anomalybench.method";
    public const string OptionsKey = "anomalybench.options";
    public const string WeightsKey = "anomalybench.weights";

    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = false,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>The hyper-parameters as the JSON stored in checkpoints and metrics.json.</summary>
    public static string OptionsJson(MethodOptions options) => JsonSerializer.Serialize(options, options.GetType(), s_json);

    /// <summary>Writes <paramref name="state"/> (not disposed) with the key and options; atomic.</summary>
    public static void Save(string path, string key, MethodOptions options, StateDict state)
    {
        state.Metadata[MethodKey] = key;
        state.Metadata[OptionsKey] = OptionsJson(options);
        Safetensors.Save(path, state);
    }

    /// <summary>Reads a checkpoint written by <paramref name="key"/>; the caller disposes the state.</summary>
    public static StateDict Load(string path, string key)
    {
        var state = Safetensors.Load(path);
        if (!state.Metadata.TryGetValue(MethodKey, out var stored) || stored != key)
        {
            state.Dispose();
            throw new InvalidDataException($"{path}: a checkpoint of '{stored ?? "unknown"}', not of '{key}'; point the run at a {key} checkpoint");
        }
        return state;
    }

    /// <summary>Records which backbone weights the fitted state depends on (of ensemble <paramref name="member"/>, when given).</summary>
    public static void SetWeights(StateDict state, WeightsProvenance? provenance, string? member = null) =>
        state.Metadata[WeightsEntry(member)] = JsonSerializer.Serialize(provenance);

    /// <summary>The backbone weights a checkpoint's state (of ensemble <paramref name="member"/>, when given) was fitted with.</summary>
    public static WeightsProvenance Weights(string path, StateDict state, string? member = null) =>
        state.Metadata.TryGetValue(WeightsEntry(member), out var json) && JsonSerializer.Deserialize<WeightsProvenance>(json) is { } provenance
            ? provenance
            : throw new InvalidDataException($"{path}: the checkpoint does not say which backbone weights its state was fitted with ({WeightsEntry(member)})");

    private static string WeightsEntry(string? member) => member is null ? WeightsKey : $"{WeightsKey}.{member}";

    /// <summary>
    /// Loads a checkpoint of <paramref name="key"/> into a method, the one way every method does: reads the file, checks the
    /// hyper-parameters (<see cref="CheckOptions"/>) and whatever <paramref name="check"/> demands of the state before the
    /// method is touched, so that a bad file leaves a fitted method as it was; then <paramref name="reset"/>s the method and
    /// <paramref name="build"/>s it from the state and what <paramref name="check"/> returned, resetting again if that fails.
    /// </summary>
    public static void Restore<TChecked>(string path, string key, MethodOptions current, IReadOnlyCollection<string> scoringOnly,
        Func<StateDict, TChecked> check, Action reset, Action<StateDict, TChecked> build)
    {
        ArgumentNullException.ThrowIfNull(check);
        ArgumentNullException.ThrowIfNull(reset);
        ArgumentNullException.ThrowIfNull(build);
        using var state = Load(path, key);
        CheckOptions(path, state, current, scoringOnly);
        var found = check(state);
        reset();
        try
        {
            build(state, found);
        }
        catch
        {
            reset();
            throw;
        }
    }

    /// <summary>
    /// Throws unless the checkpoint was fitted with the same hyper-parameters as <paramref name="current"/>;
    /// <paramref name="scoringOnly"/> names the fields (snake_case) that only affect scoring and may differ.
    /// </summary>
    public static void CheckOptions(string path, StateDict state, MethodOptions current, IReadOnlyCollection<string> scoringOnly)
    {
        if (!state.Metadata.TryGetValue(OptionsKey, out var storedJson))
            throw new InvalidDataException($"{path}: the checkpoint does not record its hyper-parameters");
        var stored = JsonNode.Parse(storedJson) as JsonObject ?? throw new InvalidDataException($"{path}: unreadable hyper-parameters");
        var now = (JsonObject)JsonNode.Parse(OptionsJson(current))!;
        var differences = now.Select(p => p.Key)
            .Concat(stored.Select(p => p.Key))
            .Distinct(StringComparer.Ordinal)
            .Where(name => !scoringOnly.Contains(name) && !JsonNode.DeepEquals(now[name], stored[name]))
            .Select(name => $"{name}: checkpoint {stored[name]?.ToJsonString() ?? "none"}, this run {now[name]?.ToJsonString() ?? "none"}")
            .ToList();
        if (differences.Count > 0)
            throw new InvalidDataException($"{path}: the state was fitted with other settings ({string.Join("; ", differences)})");
    }

    /// <summary>Copies <paramref name="module"/>'s state dict (on the CPU) into <paramref name="state"/> under <paramref name="prefix"/>.</summary>
    public static void AddModule(StateDict state, string prefix, Module module)
    {
        using var part = module.state_dict();
        foreach (var key in part.Keys)
        {
            using var cpu = part[key].to(Device.CPU);
            state.Add(prefix + key, cpu.contiguous());
        }
    }

    /// <summary>Loads the entries of <paramref name="state"/> under <paramref name="prefix"/> into <paramref name="module"/> (strict).</summary>
    public static void LoadModule(string path, StateDict state, string prefix, Module module)
    {
        var part = state.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(k => k[prefix.Length..], k => state[k], StringComparer.Ordinal);
        if (part.Count == 0) throw new InvalidDataException($"{path}: the checkpoint has no '{prefix}*' entries; it is incomplete");
        module.load_state_dict(part);
    }
}
