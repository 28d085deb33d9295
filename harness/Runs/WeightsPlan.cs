using AnomalyBench.Harness.Config;
using AnomalyBench.Methods;
using AnomalyBench.Methods.Backbones;

namespace AnomalyBench.Harness.Runs;

/// <summary>One backbone of one method entry and the weights it will start from.</summary>
/// <param name="Method">the entry's name.</param>
/// <param name="Backbone">the backbone's name in the store.</param>
/// <param name="Requested">the entry's <c>weights:</c> value (auto, pretrained, cntk, random).</param>
public sealed record ResolvedBackbone(string Method, string Backbone, string Requested, WeightsSource Source)
{
    public bool IsAuto => Requested.Trim().Equals("auto", StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// Which weights every backbone of an experiment starts from, resolved before the first job by the rule the methods
/// apply when they fit (<see cref="WeightsSource.Resolve"/>), so that <c>harness run</c> and <c>harness validate</c>
/// say the same thing: a warning per backbone on random weights, a note per backbone on the packaged CNTK network, and
/// an error, before anything trains, when that network is needed and its files are missing or altered.
/// </summary>
/// <param name="Backbones">every backbone of every method entry that stands on one, in the file's order.</param>
public sealed record WeightsPlan(WeightsStore Store, IReadOnlyList<ResolvedBackbone> Backbones)
{
    /// <summary>The experiment's store: its <c>weights_folder</c> (relative to the file), else the default folder.</summary>
    public static WeightsStore StoreOf(ExperimentConfig config, string configFile) =>
        new(config.WeightsFolder is { } w ? ConfigPaths.Resolve(configFile, w) : WeightsStore.DefaultFolder());

    public static WeightsPlan Resolve(ExperimentConfig config, WeightsStore store)
    {
        // The seed only picks a random initialisation, not whether one is used: the first seed stands for all.
        var seed = (ulong)config.Seeds.FirstOrDefault();
        var backbones = new List<ResolvedBackbone>();
        foreach (var entry in config.Methods)
        {
            if (entry.Options is not IBackboneOptions b) continue;
            foreach (var backbone in b.Backbones)
                backbones.Add(new ResolvedBackbone(entry.Name, backbone, b.Weights, WeightsSource.Resolve(b.Weights, store, backbone, seed)));
        }
        return new WeightsPlan(store, backbones);
    }

    /// <summary>One line per backbone on random weights.</summary>
    public IEnumerable<string> Warnings =>
        Backbones.Where(b => b.Source.IsRandom).Select(b =>
            $"{b.Method}: {b.Backbone} runs with RANDOM weights (seeded){(b.IsAuto ? $": no pretrained file in {Store.Folder}" : "")}; " +
            "results are not comparable with the paper and say so in every row. `harness weights` shows what the store has.");

    /// <summary>One line per backbone on the packaged CNTK network.</summary>
    public IEnumerable<string> Notes =>
        Backbones.Where(b => b.Source.IsCntk).Select(b =>
            $"{b.Method}: {b.Backbone} runs the CNTK ImageNet ResNet-18 from the ML.NET package {CntkResNet18.Package} {CntkResNet18.Version}" +
            $"{(b.IsAuto ? $" (weights: auto, no torchvision file in {Store.Folder})" : "")}, not torchvision's IMAGENET1K_V1 weights: " +
            "numbers differ from the papers' even where everything else is the same; the reports mark its rows.");

    /// <summary>Writes the <see cref="Warnings"/> and <see cref="Notes"/>.</summary>
    public void Announce(ISweepProgress progress)
    {
        foreach (var warning in Warnings) progress.Warning(warning);
        foreach (var note in Notes) progress.Note(note);
    }

    /// <summary>
    /// When a backbone of <paramref name="methods"/> resolves to the packaged network, checks its files
    /// (<see cref="CntkResNet18.Check"/> on <paramref name="packagedFolder"/>, by default where the build puts them).
    /// </summary>
    /// <exception cref="WeightsException">the network is needed and its files are missing or not the package's.</exception>
    public void CheckPackagedNetwork(IEnumerable<string> methods, string? packagedFolder = null)
    {
        var names = methods.ToHashSet(StringComparer.Ordinal);
        var users = Backbones.Where(b => b.Source.IsCntk && names.Contains(b.Method)).Select(b => b.Method).Distinct().ToList();
        if (users.Count == 0) return;
        var status = CntkResNet18.Check(packagedFolder);
        if (status.State != WeightsState.Found)
            throw new WeightsException($"{string.Join(", ", users)}: resnet18 resolves to the packaged CNTK ImageNet ResNet-18, which cannot be used: {status.Detail}");
    }
}
