using System.CommandLine;
using AnomalyBench.Methods.Backbones;

namespace AnomalyBench.Harness.Commands;

/// <summary>
/// <c>harness weights [--folder DIR]</c>: every known backbone and what the weights store has for it
/// (found, missing with its download address, shape mismatch, unreadable), then the ImageNet ResNet-18 the build
/// copies from ML.NET's package (<c>weights: cntk</c>, and <c>auto</c>'s fallback for resnet18). Found files are read
/// and verified key by key against the network, which takes a few seconds per file.
/// </summary>
internal static class WeightsCommand
{
    public static Command Create()
    {
        var folder = new Option<DirectoryInfo?>("--folder")
        {
            Description = $"The weights folder (default: {WeightsStore.EnvironmentVariable}, else ~/.cache/anomalybench/weights).",
        };
        var command = new Command("weights", "List the known backbones and what the weights store has for each.") { folder };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var chosen = parse.GetValue(folder);
            var store = chosen is null ? WeightsStore.FromEnvironment() : new WeightsStore(chosen.FullName);
            var origin = chosen is not null ? "--folder"
                : string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(WeightsStore.EnvironmentVariable)) ? "default"
                : WeightsStore.EnvironmentVariable;
            output.WriteLine($"weights folder: {store.Folder} ({origin}{(Directory.Exists(store.Folder) ? "" : ", does not exist")})");
            var width = Math.Max(BackboneCatalog.All.Max(b => b.Name.Length), PackagedLabel.Length) + 2;
            output.WriteLine($"{"backbone".PadRight(width)}{"state",-16}file / detail");
            var missing = 0;
            foreach (var info in BackboneCatalog.All)
            {
                var status = store.Check(info.Name);
                if (status.State != WeightsState.Found) missing++;
                var file = status.File is null ? "" : Path.GetRelativePath(store.Folder, status.File) + ": ";
                output.WriteLine($"{info.Name.PadRight(width)}{State(status.State),-16}{file}{status.Detail}");
            }
            output.WriteLine(PackagedLine(CntkResNet18.Check(), width));
            output.WriteLine(missing == 0
                ? "all backbones have verified weights."
                : $"accepted names per backbone: torchvision's file name, NAME.pth, NAME.safetensors, NAME/model.safetensors (timm).");
            return 0;
        });
        return command;
    }

    private const string PackagedLabel = CntkResNet18.Backbone + " (cntk)";

    /// <summary>The packaged network's row: its description, hash and file when found, else why it cannot be used.</summary>
    internal static string PackagedLine(WeightsStatus status, int width) =>
        $"{PackagedLabel.PadRight(width)}{State(status.State),-16}{status.Detail}{(status.State == WeightsState.Found ? $"; {status.File}" : "")}";

    private static string State(WeightsState state) => state switch
    {
        WeightsState.Found => "found",
        WeightsState.Missing => "missing",
        WeightsState.ShapeMismatch => "shape mismatch",
        _ => "unreadable",
    };
}
