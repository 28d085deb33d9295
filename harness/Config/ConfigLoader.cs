using AnomalyBench.Datasets;
using AnomalyBench.Methods;
using AnomalyBench.Methods.Backbones;
using AnomalyBench.Torch;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace AnomalyBench.Harness.Config;

/// <summary>
/// Reads an experiment file. Everything is checked before any run starts: unknown keys,
/// wrong types, unknown methods, data-set kinds and devices, impossible values — each an
/// error with the file, line and column, and the valid names.
/// </summary>
public static class ConfigLoader
{
    /// <summary>Keys of a method entry that are not hyper-parameters.</summary>
    private static readonly string[] s_entryKeys = ["key", "name", "profile"];

    /// <summary>Pre-processing fields, written flat in a method entry (<c>image_size: 128</c>).</summary>
    private static readonly string[] s_preprocessingKeys = YamlBinder.FieldNames(typeof(Preprocessing)).ToArray();

    public static ExperimentConfig Load(string path, MethodRegistry registry, IReadOnlyCollection<string> datasetKinds)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new ConfigException(full, null, "experiment file not found");
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(full);
            stream.Load(reader);
        }
        catch (YamlException e)
        {
            throw new ConfigException(full, e.Start, $"not valid YAML: {e.InnerException?.Message ?? e.Message}");
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner fails this way, without a position, when the file ends inside a flow list or
            // mapping (seeds: [0): point at the bracket that is never closed.
            throw new ConfigException(full, UnclosedBracket(File.ReadAllText(full)),
                "not valid YAML: a flow list '[' or mapping '{' is not closed before the end of the file");
        }
        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new ConfigException(full, null, "an experiment file is one YAML mapping (experiment:, datasets:, methods:, ...)");
        return Parse(root, new YamlBinder(full), registry, datasetKinds);
    }

    /// <summary>Where the first '[' or '{' that is never closed stands (outside quotes and comments); null when none is found.</summary>
    private static Mark? UnclosedBracket(string text)
    {
        var open = new Stack<Mark>();
        var (line, column) = (1, 1);
        char? quote = null;
        var comment = false;
        for (var i = 0; i < text.Length; i++, column++)
        {
            var c = text[i];
            if (c == '\n')
            {
                (line, column, comment) = (line + 1, 0, false);
                continue;
            }
            if (comment) continue;
            if (quote is { } q)
            {
                if (c == q) quote = null;
                continue;
            }
            switch (c)
            {
                case '\'' or '"':
                    quote = c;
                    break;
                case '#' when i == 0 || char.IsWhiteSpace(text[i - 1]):
                    comment = true;
                    break;
                case '[' or '{':
                    open.Push(new Mark(i, line, column));
                    break;
                case ']' or '}' when open.Count > 0:
                    open.Pop();
                    break;
            }
        }
        return open.Count > 0 ? open.Reverse().First() : null;
    }

    internal static ExperimentConfig Parse(YamlMappingNode root, YamlBinder binder, MethodRegistry registry, IReadOnlyCollection<string> datasetKinds)
    {
        // methods: needs the registry to know each entry's record, so it is bound on its own.
        var rest = new YamlMappingNode();
        YamlNode? methodsNode = null;
        foreach (var (k, v) in root.Children)
        {
            if (k is YamlScalarNode { Value: "methods" }) methodsNode = v;
            else rest.Add(k, v);
        }
        var config = binder.Bind(rest, new ExperimentConfig(), "the experiment");
        if (methodsNode is null) throw binder.Error(root, "no methods: list the methods to run (harness methods shows them)");
        var methods = ParseMethods(methodsNode, binder, registry, config.Setting);
        config = config with { Methods = methods };
        Check(config, root, binder, datasetKinds);
        return config;
    }

    private static List<MethodEntry> ParseMethods(YamlNode node, YamlBinder binder, MethodRegistry registry, Setting setting)
    {
        if (node is not YamlSequenceNode list || list.Children.Count == 0)
            throw binder.Error(node, "methods must be a non-empty list of entries like '- key: patchcore'");
        var entries = new List<MethodEntry>();
        var stagesOf = StageNames();
        foreach (var item in list.Children)
        {
            if (item is not YamlMappingNode map) throw binder.Error(item, "a method entry is a mapping with at least 'key:'");
            var fields = map.Children.ToDictionary(p => binder.Scalar(p.Key, "a key of a method entry"), p => (p.Key, p.Value));
            if (!fields.TryGetValue("key", out var keyNode)) throw binder.Error(item, "a method entry needs 'key:' (one of: " + string.Join(", ", registry.Keys) + ")");
            var key = binder.Scalar(keyNode.Value, "key");
            if (!registry.TryGet(key, out var info))
                throw binder.Error(keyNode.Value, $"unknown method '{key}'; known methods: {string.Join(", ", registry.Keys)}");
            var profile = fields.TryGetValue("profile", out var p) ? (Profile)binder.Convert(p.Value, typeof(Profile), $"{key}.profile")! : Profile.Paper;
            var explicitName = fields.TryGetValue("name", out var n) ? binder.Scalar(n.Value, $"{key}.name") : null;
            if (explicitName is not null && !ConfigPaths.IsOneFolderName(explicitName))
                throw binder.Error(n.Value, $"method name '{explicitName}' {ConfigPaths.FolderNameRule}: it names the method's results folders");
            var name = explicitName ?? key;
            object options = info.Defaults(profile);
            foreach (var (field, (fieldKey, value)) in fields)
            {
                if (s_entryKeys.Contains(field)) continue;
                if (s_preprocessingKeys.Contains(field))
                {
                    var current = (MethodOptions)options;
                    object pre = current.Preprocessing;
                    binder.TrySet(ref pre, field, value, key);
                    options = current with { Preprocessing = (Preprocessing)pre };
                }
                else if (field == "preprocessing" || !binder.TrySet(ref options, field, value, key))
                {
                    var valid = s_entryKeys.Concat(s_preprocessingKeys)
                        .Concat(YamlBinder.FieldNames(info.OptionsType).Where(f => f != "preprocessing"));
                    throw binder.Error(fieldKey, $"unknown field '{field}' for method '{key}'; valid fields: {string.Join(", ", valid)}");
                }
            }
            var resolved = (MethodOptions)options;
            // Before the method's own checks, which cannot point at the field.
            CheckBackbones(resolved, f => fields.TryGetValue(f, out var node) ? node.Value : null, item, binder, name, stagesOf);
            try
            {
                resolved.Validate();
            }
            catch (ArgumentException e)
            {
                throw binder.Error(item, $"method '{name}': {e.Message}");
            }
            if (resolved.Selection == ModelSelection.BestTestEpoch)
            {
                var at = fields.TryGetValue("selection", out var selectionNode) ? selectionNode.Value : item;
                if (info.PublishedSelection is null)
                {
                    var offering = registry.Keys.Where(k => registry.Get(k).PublishedSelection is not null);
                    throw binder.Error(at, $"method '{name}': selection: best_test_epoch reproduces an official trainer that selects on the test set, " +
                        $"and {info.Title}'s does not (only {string.Join(", ", offering)}); use selection: last");
                }
                // A test-set selected entry must never share a results folder or a table column with the honest one.
                name = explicitName ?? $"{key}_{TestSetSelectionName}";
            }
            if (setting == Setting.Unified && !info.SupportsUnified)
                throw binder.Error(keyNode.Value, $"method '{key}' does not support the unified setting (one model for all categories); use setting: per-category");
            if (entries.Any(e => e.Name == name))
                throw binder.Error(item, $"two method entries are named '{name}'; give one a different 'name:'");
            entries.Add(new MethodEntry(name, key, profile, resolved));
        }
        return entries;
    }

    /// <summary>
    /// What the fit would otherwise find one job at a time, after other jobs have trained (issue 21): an unknown
    /// backbone, a <c>weights:</c> value no <see cref="WeightsSource"/> rule knows (not every method's Validate checks
    /// it), and <c>layers</c> the backbone has no stage of (<paramref name="stagesOf"/>: <see cref="StageNames"/>).
    /// </summary>
    private static void CheckBackbones(MethodOptions options, Func<string, YamlNode?> fieldNode, YamlNode item, YamlBinder binder, string name,
        Func<string, IReadOnlyList<string>> stagesOf)
    {
        if (options is not IBackboneOptions b) return;
        YamlNode At(params string[] fields) => fields.Select(fieldNode).FirstOrDefault(n => n is not null) ?? item;
        foreach (var backbone in b.Backbones)
        {
            if (BackboneCatalog.Find(backbone) is null)
                throw binder.Error(At("backbone", "ensemble"),
                    $"method '{name}': unknown backbone '{backbone}'; known: {string.Join(", ", BackboneCatalog.All.Select(k => k.Name))}");
        }
        try
        {
            WeightsSource.Validate(b.Weights, b.Backbones);
        }
        catch (ArgumentException e)
        {
            throw binder.Error(At("weights"), $"method '{name}': {e.Message}");
        }
        // Null only from a hand-made record; the method's Validate names that.
        if (b.Layers is not { Count: > 0 } layers) return;
        foreach (var backbone in b.Backbones.Distinct())
        {
            var stages = stagesOf(backbone);
            // A method may name DenseNet's dense blocks by the ResNet level they stand for (layer2 is features.denseblock2,
            // ReConPatchModel.Stages, as PatchCore's ensemble taps them): such a name is accepted for a DenseNet.
            var unknown = layers.FirstOrDefault(l => !stages.Contains(l)
                && !(l.StartsWith("layer", StringComparison.Ordinal) && stages.Contains("features.denseblock" + l["layer".Length..])));
            if (unknown is not null)
                throw binder.Error(At("layers"), $"method '{name}': backbone '{backbone}' has no stage '{unknown}'; its stages are {string.Join(", ", stages)}");
        }
    }

    /// <summary>
    /// The stage names of a backbone, from the network itself (built without weights) once per backbone and file: this
    /// list cannot drift from what <see cref="Backbone.forward_stages"/> accepts.
    /// </summary>
    private static Func<string, IReadOnlyList<string>> StageNames()
    {
        var known = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        return backbone =>
        {
            if (known.TryGetValue(backbone, out var stages)) return stages;
            using var network = BackboneCatalog.Get(backbone).Build(false);
            return known[backbone] = network.stage_names.ToArray();
        };
    }

    /// <summary>The generator's own checks (<see cref="SyntheticOptions.Validate"/>), made here so that they get a line and come before any job.</summary>
    private static void CheckSynthetic(DatasetConfig dataset, YamlNode node, YamlBinder binder)
    {
        var options = dataset.Synthetic ?? new SyntheticOptions();
        if (dataset.Categories is not ["all"]) options = options with { Categories = dataset.Categories };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            var fields = (node as YamlMappingNode)?.Children.ToDictionary(p => (p.Key as YamlScalarNode)?.Value ?? "", p => p.Value) ?? [];
            var at = e.Message.Contains("categor", StringComparison.Ordinal) && fields.TryGetValue("categories", out var c) ? c
                : fields.TryGetValue("synthetic", out var s) ? s : node;
            throw binder.Error(at, $"data set '{dataset.DisplayName}': {e.Message}");
        }
    }

    /// <summary>The suffix of a method entry's default name under <c>selection: best_test_epoch</c> (<c>cfa_best_test_epoch</c>).</summary>
    public const string TestSetSelectionName = "best_test_epoch";

    private static void Check(ExperimentConfig config, YamlMappingNode root, YamlBinder binder, IReadOnlyCollection<string> datasetKinds)
    {
        YamlNode At(string key) => root.Children.FirstOrDefault(p => p.Key is YamlScalarNode { Value: var v } && v == key).Value ?? root;

        if (!ConfigPaths.IsOneFolderName(config.Experiment))
            throw binder.Error(At("experiment"), $"experiment '{config.Experiment}' {ConfigPaths.FolderNameRule}: it names the results folder <output>/<experiment>");
        if (config.Device != "auto")
        {
            Device device;
            try
            {
                device = Device.Parse(config.Device);
            }
            catch (FormatException e)
            {
                throw binder.Error(At("device"), e.Message + " or auto");
            }
            // Otherwise every job fails, one after another, with libtorch's dispatcher message (issue 21).
            if (device.Type == DeviceType.CUDA && !torch.cuda.is_available())
                throw binder.Error(At("device"), $"device: {config.Device}, but this libtorch has no CUDA or sees no GPU; use device: cpu, or auto to take a GPU when there is one");
            if (device.Type == DeviceType.CUDA && device.Index >= torch.cuda.device_count())
                throw binder.Error(At("device"), $"device: {config.Device}, but there are only {torch.cuda.device_count()} GPU(s) (cuda:0 to cuda:{torch.cuda.device_count() - 1})");
        }
        if (config.Threads is < 1) throw binder.Error(At("threads"), $"threads must be at least 1, got {config.Threads}");
        if (config.Seeds.Count == 0) throw binder.Error(At("seeds"), "seeds must list at least one seed");
        if (config.Seeds.Distinct().Count() != config.Seeds.Count) throw binder.Error(At("seeds"), "seeds lists a seed twice");
        // The seed becomes libtorch's unsigned seed: -1 would silently be 18446744073709551615.
        if (config.Seeds.Any(s => s < 0)) throw binder.Error(At("seeds"), $"seeds must be 0 or more, got {config.Seeds.First(s => s < 0)}");
        if (config.Evaluation.ProLimit is <= 0 or > 1)
            throw binder.Error(At("evaluation"), $"evaluation.pro_limit must be in (0, 1], got {config.Evaluation.ProLimit}");
        if (config.Report.BootstrapReplicates < 1)
            throw binder.Error(At("report"), $"report.bootstrap_replicates must be at least 1, got {config.Report.BootstrapReplicates}");
        if (config.Report.HeatmapImages < 1)
            throw binder.Error(At("report"), $"report.heatmap_images must be at least 1, got {config.Report.HeatmapImages}");
        if (config.Datasets.Count == 0) throw binder.Error(At("datasets"), "datasets must list at least one data set");
        var datasetsNode = At("datasets") as YamlSequenceNode;
        for (var i = 0; i < config.Datasets.Count; i++)
        {
            var d = config.Datasets[i];
            var node = datasetsNode?.Children.ElementAtOrDefault(i) ?? root;
            if (!datasetKinds.Contains(d.Kind))
                throw binder.Error(node, $"unknown data set kind '{d.Kind}'; known kinds: {string.Join(", ", datasetKinds)}");
            if (d.Name is not null && !ConfigPaths.IsOneFolderName(d.Name))
                throw binder.Error(node, $"data set name '{d.Name}' {ConfigPaths.FolderNameRule}: it names the data set's results folder");
            if (d.Categories.Count == 0) throw binder.Error(node, $"data set '{d.DisplayName}' lists no categories (use [all] for every one)");
            if (d.Kind == "synthetic") CheckSynthetic(d, node, binder);
            if (config.Datasets.Take(i).Any(o => o.DisplayName == d.DisplayName))
                throw binder.Error(node, $"two data sets are named '{d.DisplayName}'; give one a different 'name:'");
        }
    }
}
