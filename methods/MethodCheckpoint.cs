using System.Text.Json;
using System.Text.Json.Serialization;
using AnomalyBench.Torch;
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
}
