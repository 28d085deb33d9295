// A folder of pretrained weights looked up by backbone name, so that runs never download anything
// and every result can say which file (SHA-256) or which random seed its backbone started from.

using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using AnomalyBench.Torch.Serialization;

namespace AnomalyBench.Methods.Backbones;

/// <summary>
/// Pretrained weights in one folder (<see cref="DefaultFolder"/>: <c>ANOMALYBENCH_WEIGHTS</c>, else
/// <c>~/.cache/anomalybench/weights</c>; an experiment file may name another). For a backbone NAME it
/// accepts, in this order: torchvision's published file name (<c>wide_resnet50_2-95faca4d.pth</c>),
/// <c>NAME.pth</c>, <c>NAME.safetensors</c>, and timm's <c>NAME/model.safetensors</c>. Loading verifies
/// every key and shape against the network and names the first mismatches; torchvision-named files
/// must also match the SHA-256 prefix in their name (as torchvision's <c>check_hash</c>).
/// </summary>
public sealed partial class WeightsStore
{
    /// <summary>The environment variable that overrides the default folder.</summary>
    public const string EnvironmentVariable = "ANOMALYBENCH_WEIGHTS";

    /// <summary>How many offending keys of each kind a message names.</summary>
    private const int ReportedKeys = 5;

    /// <param name="folder">the weights folder; a leading <c>~/</c> is the home folder. It need not exist (then nothing is found).</param>
    public WeightsStore(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        Folder = Path.GetFullPath(ExpandHome(folder));
    }

    /// <summary>The searched folder, as a full path.</summary>
    public string Folder { get; }

    /// <summary><c>ANOMALYBENCH_WEIGHTS</c> when set, else <c>~/.cache/anomalybench/weights</c>.</summary>
    public static string DefaultFolder()
    {
        var overridden = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(overridden)) return Path.GetFullPath(ExpandHome(overridden));
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "anomalybench", "weights");
    }

    /// <summary>The store of <see cref="DefaultFolder"/>.</summary>
    public static WeightsStore FromEnvironment() => new(DefaultFolder());

    private static string ExpandHome(string path) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) + path[1..]
            : path;

    // Finding files ----------------------------------------------------------------------------------

    /// <summary>The file names (relative to the folder) accepted for <paramref name="name"/>, in search order.</summary>
    public static IReadOnlyList<string> AcceptedFileNames(string name)
    {
        CheckName(name);
        var names = new List<string>(4);
        if (BackboneCatalog.Find(name) is { } info) names.Add(info.TorchvisionFile);
        names.Add(name + ".pth");
        names.Add(name + ".safetensors");
        names.Add(name + "/model.safetensors");
        return names;
    }

    /// <summary>The full path of the first accepted file present for <paramref name="name"/>, or null.</summary>
    public string? Find(string name)
    {
        foreach (var relative in AcceptedFileNames(name))
        {
            var path = Path.Combine(Folder, relative);
            if (File.Exists(path)) return path;
        }
        return null;
    }

    private static void CheckName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.IndexOfAny(['/', '\\']) >= 0 || name is "." or "..")
            throw new ArgumentException($"a weights name is a plain name such as wide_resnet50_2, not a path: '{name}'", nameof(name));
    }

    // Building backbones ---------------------------------------------------------------------------

    /// <summary>
    /// Builds the catalog's backbone <paramref name="name"/> (1000-class classifier included) with the
    /// store's pretrained file (the default) or a seeded random initialisation, or the packaged CNTK ResNet-18
    /// (<see cref="WeightsSource.Cntk"/>: no classifier, one more block in layer4), and records where its weights
    /// came from in <see cref="Backbone.provenance"/>. Wrap it in a <see cref="FeatureExtractor"/> to tap stages.
    /// </summary>
    /// <exception cref="WeightsNotFoundException">no file for <paramref name="name"/> in the folder.</exception>
    /// <exception cref="WeightsMismatchException">the file's keys or shapes are not the network's.</exception>
    /// <exception cref="WeightsException">the file cannot be read.</exception>
    public Backbone Create(string name, WeightsSource? weights = null)
    {
        var info = BackboneCatalog.Get(name);
        weights ??= WeightsSource.Pretrained;
        if (weights.IsCntk) return CntkResNet18.CreateFor(name);
        if (weights.IsRandom)
        {
            // The global generator, as torchvision's models use it: same seed, same network.
            torch.manual_seed(weights.Seed);
            var random = info.Build(true);
            random.provenance = WeightsProvenance.Random(name, weights.Seed);
            return random;
        }
        var path = Find(name) ?? throw NotFound(name);
        // torchvision's initialisation would be overwritten at once: skip it.
        var model = info.Build(false);
        try
        {
            LoadFile(model, name, path);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The network that weights of <paramref name="provenance"/> fit, for a checkpoint that supplies every weight itself
    /// (a fine-tuned backbone): the catalog's architecture, uninitialised, or the packaged CNTK ResNet-18, whose input step
    /// and extra layer4 block torchvision's resnet18 does not have. Records the provenance.
    /// </summary>
    public static Backbone Architecture(string name, WeightsProvenance provenance)
    {
        ArgumentNullException.ThrowIfNull(provenance);
        if (provenance.IsCntk) return CntkResNet18.CreateFor(name);
        var network = BackboneCatalog.Get(name).Build(false);
        network.provenance = provenance;
        return network;
    }

    /// <summary>
    /// Loads the file the store has for <paramref name="name"/> into <paramref name="model"/> (any module whose
    /// state-dict keys are the file's: a catalog backbone, or a smaller network of the same family), after
    /// verifying every key and shape. Sets <see cref="Backbone.provenance"/> when the model is a backbone.
    /// </summary>
    /// <returns>the file and its SHA-256.</returns>
    public WeightsProvenance Load(Module model, string name)
    {
        ArgumentNullException.ThrowIfNull(model);
        var path = Find(name) ?? throw NotFound(name);
        return LoadFile(model, name, path);
    }

    private WeightsProvenance LoadFile(Module model, string name, string path)
    {
        var sha = Sha256(path);
        using var stateDict = Read(name, path, sha);
        var view = model is Backbone backbone ? backbone.remap_checkpoint_keys(stateDict) : stateDict;
        Verify(model, view, name, path);
        model.load_state_dict(view, strict: true);
        var provenance = WeightsProvenance.FromFile(name, path, sha);
        if (model is Backbone b) b.provenance = provenance;
        return provenance;
    }

    /// <summary>
    /// What the store has for the catalog backbone <paramref name="name"/>: missing, found (keys and shapes
    /// verified against the network, which is built for it and freed), shape mismatch or unreadable.
    /// </summary>
    public WeightsStatus Check(string name)
    {
        var info = BackboneCatalog.Get(name);
        var path = Find(name);
        if (path is null)
            return new WeightsStatus(name, WeightsState.Missing, null, $"get {info.TorchvisionUrl} (or the model.safetensors of {info.TimmUrl} into {name}/)");
        try
        {
            var sha = Sha256(path);
            using var model = info.Build(false);
            using var stateDict = Read(name, path, sha);
            Verify(model, model.remap_checkpoint_keys(stateDict), name, path);
            return new WeightsStatus(name, WeightsState.Found, path, $"sha256 {sha}");
        }
        catch (WeightsMismatchException e)
        {
            return new WeightsStatus(name, WeightsState.ShapeMismatch, path, Summary(e.MissingKeys, e.UnexpectedKeys, e.ShapeMismatches));
        }
        catch (WeightsException e)
        {
            return new WeightsStatus(name, WeightsState.Unreadable, path, e.Message);
        }
    }

    // Reading and verifying ----------------------------------------------------------------------------

    // torchvision's hub names: <stem>-<first hex digits of the SHA-256>.pth (torch.hub's HASH_REGEX).
    [GeneratedRegex(@"-([a-f0-9]{8,})\.[a-z]+$")]
    private static partial Regex HashInName();

    private static StateDict Read(string name, string path, string sha)
    {
        var match = HashInName().Match(Path.GetFileName(path));
        if (match.Success && BackboneCatalog.Find(name)?.TorchvisionFile == Path.GetFileName(path) && !sha.StartsWith(match.Groups[1].Value, StringComparison.Ordinal))
            throw new WeightsException(
                $"{path}: its SHA-256 begins {sha[..match.Groups[1].Length]}, but torchvision's file name says {match.Groups[1].Value}: " +
                "the download is incomplete or the file is not torchvision's. Download it again.");
        try
        {
            // torchvision's 2019 files (wide_resnet50_2, wide_resnet101_2, resnext101_32x8d) store float16.
            return path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)
                ? Safetensors.Load(path)
                : PyTorchCheckpoint.Load(path, halfToFloat32: true);
        }
        catch (Exception e) when (e is CheckpointFormatException or IOException or UnauthorizedAccessException or TorchException)
        {
            throw new WeightsException($"cannot read the weights of '{name}' from {path}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Compares the file's keys and shapes with the network's parameters and buffers (all persistent in
    /// the backbones; a non-persistent buffer would be reported missing); throws naming the first offenders.
    /// load_state_dict(strict: true) checks again when it copies.
    /// </summary>
    internal static void Verify(Module model, IReadOnlyDictionary<string, Tensor> file, string name, string path)
    {
        var expected = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var (key, p) in model.named_parameters()) expected[key] = p.shape;
        foreach (var (key, b) in model.named_buffers()) expected[key] = b.shape;

        // BatchNorm's num_batches_tracked is optional, as in PyTorch: files saved before
        // PyTorch 0.4.1 (densenet201-c1103571.pth among them) do not have it.
        var missing = expected.Keys
            .Where(k => !file.ContainsKey(k) && !k.EndsWith(".num_batches_tracked", StringComparison.Ordinal) && k != "num_batches_tracked")
            .ToList();
        var unexpected = file.Keys.Where(k => !expected.ContainsKey(k)).ToList();
        var mismatched = new List<string>();
        foreach (var (key, tensor) in file)
        {
            if (!expected.TryGetValue(key, out var shape)) continue;
            var actual = tensor.shape;
            if (!actual.AsSpan().SequenceEqual(shape)) mismatched.Add($"{key}: file {Shape(actual)} vs network {Shape(shape)}");
        }
        if (missing.Count == 0 && unexpected.Count == 0 && mismatched.Count == 0) return;

        var message = new StringBuilder($"{path} does not fit {model.GetType().Name} '{name}': ");
        message.Append(Summary(missing, unexpected, mismatched));
        message.Append(". The file holds weights of another architecture or variant, or an incomplete state dict; use the file published for this backbone.");
        throw new WeightsMismatchException(message.ToString(), path, missing, unexpected, mismatched);
    }

    private static string Summary(IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> mismatched)
    {
        var parts = new List<string>(3);
        if (mismatched.Count > 0) parts.Add($"{mismatched.Count} shape mismatch(es): {First(mismatched)}");
        if (missing.Count > 0) parts.Add($"{missing.Count} key(s) missing from the file: {First(missing)}");
        if (unexpected.Count > 0) parts.Add($"{unexpected.Count} unexpected key(s) in the file: {First(unexpected)}");
        return string.Join("; ", parts);
    }

    private static string First(IReadOnlyList<string> items) =>
        string.Join(", ", items.Take(ReportedKeys)) + (items.Count > ReportedKeys ? $", ... ({items.Count - ReportedKeys} more)" : "");

    private static string Shape(long[] shape) => $"[{string.Join(", ", shape)}]";

    private static string Sha256(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            return Convert.ToHexStringLower(SHA256.HashData(stream));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WeightsException($"cannot read {path}: {e.Message}", e);
        }
    }

    private WeightsNotFoundException NotFound(string name)
    {
        var accepted = AcceptedFileNames(name);
        var message = new StringBuilder($"No weights for '{name}' in {Folder}");
        if (!Directory.Exists(Folder)) message.Append(" (the folder does not exist)");
        message.Append($". Accepted file names: {string.Join(", ", accepted)}. ");
        if (BackboneCatalog.Find(name) is { } info)
        {
            message.Append($"With internet, download {info.TorchvisionUrl} (torchvision's IMAGENET1K_V1 weights) into that folder, ");
            message.Append($"or the model.safetensors of {info.TimmUrl} into {Path.Combine(Folder, name)}/. ");
        }
        else
        {
            message.Append($"No download address is known for '{name}' (known backbones: {string.Join(", ", BackboneCatalog.All.Select(b => b.Name))}). ");
        }
        message.Append($"The folder is {EnvironmentVariable}, else ~/.cache/anomalybench/weights, unless the experiment names another; ");
        message.Append("`weights: random` runs without pretrained weights (recorded as such in the results).");
        return new WeightsNotFoundException(name, Folder, accepted, message.ToString());
    }
}
