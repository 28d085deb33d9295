using System.CommandLine;
using AnomalyBench.Metrics;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Serialization;

namespace AnomalyBench.Harness.Commands;

/// <summary>
/// <c>harness evaluate FILE.safetensors</c>: every metric of a set of anomaly maps, as one JSON
/// object. The file holds <c>maps</c> F32 [N,H,W], <c>masks</c> U8 [N,H,W] (0/1), <c>labels</c>
/// U8 [N] and optionally <c>scores</c> F32 [N] (default: the max of each map) — the layout of
/// a run's maps.safetensors, so any run can be re-evaluated, and of the metric fixtures.
/// </summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "A safetensors file with maps, masks, labels and optional scores." };
        var fast = new Option<bool>("--fast-aupro")
        {
            Description = "Approximate AUPRO with 1000 thresholds at quantiles of the normal-pixel scores (MVTec 3D-AD); marked approximate in the output.",
        };
        var command = new Command("evaluate", "Print I-AUROC, P-AUROC, AUPRO (0.3, 0.05), AP and F1-max of a maps file as JSON.") { file, fast };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            try
            {
                var input = Read(path.FullName);
                var options = new PixelMetricsOptions { Aupro = parse.GetValue(fast) ? AuproMode.Quantile : AuproMode.Exact };
                parse.InvocationConfiguration.Output.WriteLine(Evaluation.Evaluate(input, options).ToJson());
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or InvalidDataException or CheckpointFormatException or FileNotFoundException)
            {
                parse.InvocationConfiguration.Error.WriteLine($"{path.FullName}: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    internal static EvaluationInput Read(string path)
    {
        using var state = Safetensors.Load(path);
        if (!state.TryGetValue("maps", out var maps))
            throw new InvalidDataException($"no tensor 'maps' (F32 [N,H,W]); the file has: {string.Join(", ", state.Keys)}");
        // Runs store maps as float16 (half the disk); every map is evaluated as float32.
        if (maps.dtype is not (ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16))
            throw new InvalidDataException($"tensor 'maps' is {maps.dtype}, expected F32 (or F16) [N,H,W]");
        using var maps32 = maps.to(ScalarType.Float32);
        var masks = Get(state, "masks", ScalarType.Byte, "U8 [N,H,W] of 0/1");
        var labels = Get(state, "labels", ScalarType.Byte, "U8 [N] of 0/1");
        var scores = state.ContainsKey("scores") ? Get(state, "scores", ScalarType.Float32, "F32 [N]") : null;
        return EvaluationInput.FromShapes(
            maps32.data<float>(), maps32.shape, masks.data<byte>(), masks.shape, labels.data<byte>(), labels.shape,
            scores?.data<float>(), scores?.shape);
    }

    private static Tensor Get(StateDict state, string name, ScalarType type, string expected)
    {
        if (!state.TryGetValue(name, out var t))
            throw new InvalidDataException($"no tensor '{name}' ({expected}); the file has: {string.Join(", ", state.Keys)}");
        if (t.dtype != type) throw new InvalidDataException($"tensor '{name}' is {t.dtype}, expected {expected}");
        return t;
    }
}
