// ReConPatch: Hyun, Kim, Jeon, Kim, Bae, Kang, "ReConPatch: Contrastive Patch Representation Learning for
// Industrial Anomaly Detection", WACV 2024 (arXiv 2305.16713). Fit = §3.1 (PatchCore's patch features of a
// frozen backbone), §3.2–3.3 (f, g trained by the relaxed contrastive loss with pseudo-labels of the EMA
// similarity network; ReConPatchTrainer) and §3.4 (memory bank of f(p), greedy coreset); Predict = §3.4
// (nearest-neighbour distance in f-space, image score = max, bilinear upsampling and σ = 4 Gaussian), one
// ReConPatchModel per backbone. §4's ensemble: each member's maps and scores are standardised by the median and
// MAD of its training scores (β = 1.4826) and averaged.
// No official code exists; see methods/ReConPatch/README.md for every choice the paper does not state.

using AnomalyBench.Datasets;
using AnomalyBench.Methods.Backbones;
using AnomalyBench.Torch;

namespace AnomalyBench.Methods.ReConPatch;

/// <summary>
/// ReConPatch as an <see cref="IAnomalyMethod"/>: the single model (<see cref="ReConPatchOptions.Backbone"/>) or the
/// ensemble (<see cref="ReConPatchOptions.Ensemble"/>), each member a <see cref="ReConPatchModel"/> fitted on its own
/// backbone. The checkpoint holds each member's bank and f, its normalisers, and where its backbone's weights came from.
/// </summary>
public sealed class ReConPatchMethod : IAnomalyMethod, IStagedPrediction
{
    /// <summary>The registry key, also the checkpoint's method key.</summary>
    public const string Key = "reconpatch";

    /// <summary>Options that change only how a fitted model is scored: a checkpoint may be loaded with other values.</summary>
    private static readonly string[] s_scoringOnlyOptions = ["sigma", "distance_chunk", "batch_size"];

    private readonly ReConPatchOptions _options;
    private readonly List<ReConPatchModel> _members = [];
    private WeightsStore? _weights;
    private bool _disposed;

    /// <param name="options">validated here.</param>
    /// <param name="weights">the store <see cref="Load"/> takes pretrained weights from when this instance was not fitted.</param>
    public ReConPatchMethod(ReConPatchOptions options, WeightsStore? weights = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _weights = weights;
    }

    public MethodOptions Options => _options;

    /// <summary>Where the (first) backbone's weights came from (null before <see cref="Fit"/> or <see cref="Load"/>).</summary>
    public WeightsProvenance? Provenance => _members.Count > 0 ? _members[0].Provenance : null;

    public string WeightsProvenance => _members.Count > 0 ? string.Join("; ", _members.Select(m => m.Provenance.ToString())) : "none (not fitted)";

    /// <summary>The coreset of f(p) [M, RepresentationDimension] of the (first) member, or null before fitting.</summary>
    public Tensor? MemoryBank => _members.Count > 0 ? _members[0].MemoryBank : null;

    /// <summary>Each member's normalisers of image scores and map values; null for the single model, whose scores are used as they are.</summary>
    public IReadOnlyList<(MedianAbsoluteDeviationNormaliser Image, MedianAbsoluteDeviationNormaliser Map)>? Normalisers =>
        IsEnsemble && _members.Count > 0 ? _members.Select(m => (m.ImageNormaliser!, m.MapNormaliser!)).ToList() : null;

    /// <summary>The fitted members (one for the single model), for tests that inspect the trained f.</summary>
    internal IReadOnlyList<ReConPatchModel> Members => _members;

    /// <summary>Optimisation steps of the last <see cref="Fit"/>, all members together.</summary>
    public long TrainingSteps { get; private set; }

    private bool IsEnsemble => _options.Ensemble.Count > 0;

    private IReadOnlyList<string> Backbones => IsEnsemble ? _options.Ensemble : [_options.Backbone];

    public void Fit(IReadOnlyList<Sample> train, FitContext context)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(context);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (train.Count == 0) throw new ArgumentException("ReConPatch needs at least one training image", nameof(train));
        context.Cancellation.ThrowIfCancellationRequested();
        Reset();
        _weights = context.Weights;
        try
        {
            foreach (var backbone in Backbones)
            {
                // Every member starts from the run's seed, so that a member does not depend on the ones before it.
                torch.manual_seed(context.Seed);
                _members.Add(ReConPatchModel.Fit(train, backbone, _options, context, normalise: IsEnsemble));
            }
            TrainingSteps = _members.Sum(m => m.TrainingSteps);
        }
        catch
        {
            Reset();
            throw;
        }
    }

    public Prediction Predict(Tensor images) => this.PredictInStages(images);

    /// <summary>Maps[i]: member i's patch scores [B, h, w] on its feature grid; Scores[i]: its image scores [B].</summary>
    public RawPrediction Forward(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_members.Count == 0) throw new InvalidOperationException("ReConPatch has no memory bank yet: call Fit or Load first");
        if (images.dim() != 4 || images.size(1) != 3) throw new ArgumentException($"images must be [B,3,H,W], got [{string.Join(", ", images.shape)}]", nameof(images));
        using var scope = torch.NewDisposeScope();
        var parts = _members.Select(member => member.PatchScores(images)).ToList();
        return new RawPrediction(images.size(2), images.size(3), parts.Select(p => p.PatchScores).ToList(), parts.Select(p => p.ImageScores).ToList());
    }

    /// <summary>
    /// §3.4: each member's scores upsampled and smoothed; the single model's image score is its patch maximum. §4's
    /// ensemble: each member's map and score standardised by its training median and MAD, then averaged.
    /// </summary>
    public Prediction Postprocess(RawPrediction raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (raw.Maps.Count != _members.Count)
            throw new ArgumentException($"the raw prediction has {raw.Maps.Count} member maps, this model {_members.Count} members", nameof(raw));
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        if (!IsEnsemble) return new Prediction(_members[0].Segmentation(raw.Maps[0], raw.Height, raw.Width), raw.Scores[0].clone());
        Tensor? maps = null;
        Tensor? scores = null;
        for (var i = 0; i < _members.Count; i++)
        {
            var member = _members[i];
            var m = member.MapNormaliser!.Apply(member.Segmentation(raw.Maps[i], raw.Height, raw.Width));
            var s = member.ImageNormaliser!.Apply(raw.Scores[i]);
            maps = maps is null ? m : maps + m;
            scores = scores is null ? s : scores + s;
        }
        return new Prediction(maps! / _members.Count, scores! / _members.Count);
    }

    public void Save(string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_members.Count == 0) throw new InvalidOperationException("ReConPatch has nothing to save yet: call Fit first");
        using var state = new StateDict();
        for (var i = 0; i < _members.Count; i++)
        {
            _members[i].AddTo(state, Prefix(i));
            MethodCheckpoint.SetWeights(state, _members[i].Provenance, Member(i));
        }
        MethodCheckpoint.Save(path, Key, _options, state);
    }

    public void Load(string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        MethodCheckpoint.Restore(path, Key, _options, s_scoringOnlyOptions,
            state => Enumerable.Range(0, Backbones.Count).Select(i => MethodCheckpoint.Weights(path, state, Member(i))).ToList(),
            Reset,
            (state, provenances) =>
            {
                var store = _weights ?? WeightsStore.FromEnvironment();
                for (var i = 0; i < Backbones.Count; i++)
                    _members.Add(ReConPatchModel.Restore(path, state, Prefix(i), Backbones[i], _options, provenances[i], store, normalised: IsEnsemble));
            });
    }

    /// <summary>The single model's keys are unprefixed; ensemble member i's begin with "members.i.".</summary>
    private string Prefix(int member) => IsEnsemble ? $"members.{member}." : "";

    private string? Member(int member) => IsEnsemble ? member.ToString(System.Globalization.CultureInfo.InvariantCulture) : null;

    private void Reset()
    {
        foreach (var member in _members) member.Dispose();
        _members.Clear();
    }

    /// <summary>The registry's description of ReConPatch.</summary>
    public static MethodInfo Info { get; } = new(
        Key,
        "ReConPatch",
        "PatchCore's patch features through a linear layer trained by a relaxed contrastive loss with EMA pseudo-labels; coreset memory bank of the learnt features (Hyun et al., WACV 2024; no official code).",
        typeof(ReConPatchOptions),
        ReConPatchOptions.Defaults,
        options => new ReConPatchMethod((ReConPatchOptions)options),
        SupportsUnified: true);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Reset();
    }
}
