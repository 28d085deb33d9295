// ReConPatch's hyper-parameters: Hyun, Kim, Jeon, Kim, Bae, Kang, "ReConPatch: Contrastive Patch
// Representation Learning for Industrial Anomaly Detection", WACV 2024 (arXiv 2305.16713), §3.1
// "Implementation details" as quoted by the review in shared/research/methods-1.md §2.6. There is no official
// code: every value the paper does not state is the common choice of the research notes and is listed as
// "not stated in the paper" in methods/ReConPatch/README.md.

using AnomalyBench.Datasets;

namespace AnomalyBench.Methods.ReConPatch;

/// <summary>
/// ReConPatch's settings. <see cref="Defaults"/> gives the paper's single WRN-50 model
/// (<see cref="Profile.Paper"/>) or a small CPU setting (<see cref="Profile.Quick"/>); an experiment file
/// overrides any field by its snake_case name (<c>epochs: 60</c>).
/// </summary>
public sealed record ReConPatchOptions : MethodOptions, IBackboneOptions
{
    /// <summary>PatchCore's pre-processing (Resize 256 → CenterCrop 224, ImageNet normalisation; the single model's size is not stated in the paper).</summary>
    public ReConPatchOptions()
    {
        Preprocessing = new Preprocessing(256, 224, ResizeMode.ShorterSide);
        BatchSize = 2;
    }

    /// <summary>The frozen feature extractor (§3.1: WRN-50, as PatchCore).</summary>
    public string Backbone { get; init; } = "wide_resnet50_2";

    /// <summary>
    /// The ensemble's backbones (§4: <c>[wide_resnet101_2, resnext101_32x8d, densenet201]</c>, with
    /// representation_dimension 384, 60 epochs, lr 1e-6 at 320 or 480 px); empty (default) for the single model on
    /// <see cref="Backbone"/>. Each member is a full ReConPatch on its backbone; their scores are standardised by the
    /// median and MAD of their training scores and averaged.
    /// </summary>
    public IReadOnlyList<string> Ensemble { get; init; } = [];

    IReadOnlyList<string> IBackboneOptions.Backbones => Ensemble.Count > 0 ? Ensemble : [Backbone];

    /// <summary>Hierarchy levels whose patch features are combined (§3.1: levels 2 and 3, as PatchCore).</summary>
    public IReadOnlyList<string> Layers { get; init; } = ["layer2", "layer3"];

    /// <summary><c>auto</c>, <c>pretrained</c>, <c>cntk</c> (resnet18 only) or <c>random</c>, as for PatchCore (<see cref="Backbones.WeightsSource.Resolve"/>).</summary>
    public string Weights { get; init; } = "auto";

    /// <summary>Neighbourhood p of the locally aware patch features (§3.1: 3, PatchCore's).</summary>
    public int PatchSize { get; init; } = 3;

    /// <summary>Per-layer adaptive average pooling length of PatchCore's pipeline.</summary>
    public int PretrainDimension { get; init; } = 1024;

    /// <summary>Dimension of the patch features p, the input of f (PatchCore's 1024).</summary>
    public int FeatureDimension { get; init; } = 1024;

    /// <summary>Output of the representation layer f, the memory bank's dimension (§3.1 and ablation: 512; 384 in the ensemble).</summary>
    public int RepresentationDimension { get; init; } = 512;

    /// <summary>Output of the projection layer g on which the loss acts. Not stated in the paper: 128, the reimplementers' choice.</summary>
    public int ProjectionDimension { get; init; } = 128;

    /// <summary>γ of the similarity network's EMA θ̄ ← γ·θ̄ + (1−γ)·θ after every step. Not stated in the paper: 0.995 assumed.</summary>
    public double EmaMomentum { get; init; } = 0.995;

    /// <summary>σ of the pairwise similarity w^P = exp(−‖ẑ_i − ẑ_j‖²/σ) on the L2-normalised ẑ = z̄/‖z̄‖ (STML). Not stated in the paper: 1, STML's default.</summary>
    public double PairwiseSigma { get; init; } = 1;

    /// <summary>k of the k-nearest-neighbour sets of the contextual similarity (self included). Not stated in the paper: 5.</summary>
    public int ContextualNeighbours { get; init; } = 5;

    /// <summary>α of w = α·w^P + (1−α)·w^C. Not stated in the paper: 0.5 (STML's equal weighting).</summary>
    public double Alpha { get; init; } = 0.5;

    /// <summary>Margin m of the relaxed contrastive loss's repelling term. Not stated in the paper: 1 (δ is normalised to mean 1).</summary>
    public double Margin { get; init; } = 1;

    /// <summary>Patch features per training mini-batch N. Not stated in the paper: 1024.</summary>
    public int PatchBatchSize { get; init; } = 1024;

    /// <summary>Training epochs, one epoch being one pass over all training patches (§3.1: 120; "epoch" not defined in the paper).</summary>
    public int Epochs { get; init; } = 120;

    /// <summary>AdamP's learning rate, annealed by a cosine over the epochs (§3.1: 1e-5).</summary>
    public double LearningRate { get; init; } = 1e-5;

    /// <summary>AdamP's weight decay (§3.1: 1e-2).</summary>
    public double WeightDecay { get; init; } = 1e-2;

    /// <summary>AdamP's projection threshold δ (clovaai default 0.1; not stated in the paper).</summary>
    public double AdamPDelta { get; init; } = 0.1;

    /// <summary>AdamP's weight-decay ratio on projected weights (clovaai default 0.1; not stated in the paper).</summary>
    public double AdamPWdRatio { get; init; } = 0.1;

    /// <summary>Fraction of all training patches kept in the memory bank by the greedy coreset (§3.1: 1%).</summary>
    public double CoresetRatio { get; init; } = 0.01;

    /// <summary>Random projection dimension of the coreset selection (PatchCore's 128).</summary>
    public int CoresetProjectionDimension { get; init; } = 128;

    /// <summary>Random start points of the coreset (PatchCore's 10).</summary>
    public int CoresetStarts { get; init; } = 10;

    /// <summary>σ of the Gaussian that smooths the upsampled anomaly map (PatchCore's 4); 0 disables it.</summary>
    public double Sigma { get; init; } = 4;

    /// <summary>Rows per distance block of the nearest-neighbour search; results do not depend on it.</summary>
    public int DistanceChunk { get; init; } = 4096;

    /// <summary>
    /// <see cref="Profile.Paper"/>: the single WRN-50 model above. <see cref="Profile.Quick"/>: 128-px crops of
    /// 146-px images (PatchCore's quick size), 3 epochs, N = 512 and lr 1e-3; everything else as the paper's. The
    /// paper's lr 1e-5 is for ~23,500 steps (120 epochs of 196); over the quick profile's 42–45 steps it moved f by 1 %
    /// of its norm and left the results where PatchCore-through-f-at-initialisation put them. lr 1e-3 moves f by about
    /// 20 % and the image scores by about 5 % (methods/ReConPatch/README.md, "Quick profile"); the paper's total step
    /// budget (Σ lr ≈ 0.12, i.e. lr ≈ 4e-3 here) moved f by 99 % and cost 0.08 I-AUROC and 0.10 P-AUROC on the pill.
    /// </summary>
    public static ReConPatchOptions Defaults(Profile profile) => profile switch
    {
        Profile.Paper => new ReConPatchOptions(),
        Profile.Quick => new ReConPatchOptions { Preprocessing = new Preprocessing(146, 128, ResizeMode.ShorterSide), Epochs = 3, PatchBatchSize = 512, LearningRate = 1e-3 },
        _ => throw new ArgumentOutOfRangeException(nameof(profile), profile, "unknown profile"),
    };

    public override void Validate()
    {
        base.Validate();
        // The ensemble first: the weights check below serves each of its backbones.
        if (Ensemble is null) throw new ArgumentException("ensemble must be a list of backbones, or [] for the single model");
        if (Ensemble.Count == 1) throw new ArgumentException($"ensemble lists one backbone ({Ensemble[0]}): set backbone instead, or list two or more");
        if (Ensemble.Any(string.IsNullOrWhiteSpace)) throw new ArgumentException("ensemble has an empty backbone name");
        if (Ensemble.Distinct(StringComparer.Ordinal).Count() != Ensemble.Count) throw new ArgumentException($"ensemble lists a backbone twice: [{string.Join(", ", Ensemble)}]");
        BackboneOptionChecks.Validate(this, Layers, "[layer2, layer3]");
        if (PatchSize < 1 || PatchSize % 2 == 0) throw new ArgumentException($"patch_size must be odd and at least 1, got {PatchSize}");
        if (PretrainDimension < 1) throw new ArgumentException($"pretrain_dimension must be at least 1, got {PretrainDimension}");
        if (FeatureDimension < 1) throw new ArgumentException($"feature_dimension must be at least 1, got {FeatureDimension}");
        if (RepresentationDimension < 1) throw new ArgumentException($"representation_dimension must be at least 1, got {RepresentationDimension}");
        if (ProjectionDimension < 1) throw new ArgumentException($"projection_dimension must be at least 1, got {ProjectionDimension}");
        if (!(EmaMomentum >= 0 && EmaMomentum <= 1)) throw new ArgumentException($"ema_momentum must be in [0, 1], got {EmaMomentum}");
        if (!(PairwiseSigma > 0) || double.IsInfinity(PairwiseSigma)) throw new ArgumentException($"pairwise_sigma must be positive, got {PairwiseSigma}");
        if (ContextualNeighbours < 1) throw new ArgumentException($"contextual_neighbours must be at least 1, got {ContextualNeighbours}");
        if (!(Alpha >= 0 && Alpha <= 1)) throw new ArgumentException($"alpha must be in [0, 1], got {Alpha}");
        if (!(Margin > 0) || double.IsInfinity(Margin)) throw new ArgumentException($"margin must be positive, got {Margin}");
        if (PatchBatchSize <= ContextualNeighbours) throw new ArgumentException($"patch_batch_size must exceed contextual_neighbours ({ContextualNeighbours}), got {PatchBatchSize}");
        if (Epochs < 0) throw new ArgumentException($"epochs must be 0 or more, got {Epochs}");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new ArgumentException($"learning_rate must be positive, got {LearningRate}");
        if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay)) throw new ArgumentException($"weight_decay must be 0 or positive, got {WeightDecay}");
        if (!(AdamPDelta >= 0)) throw new ArgumentException($"adam_p_delta must be 0 or positive, got {AdamPDelta}");
        if (!(AdamPWdRatio >= 0)) throw new ArgumentException($"adam_p_wd_ratio must be 0 or positive, got {AdamPWdRatio}");
        if (!(CoresetRatio > 0 && CoresetRatio <= 1)) throw new ArgumentException($"coreset_ratio must be in (0, 1], got {CoresetRatio}");
        if (CoresetProjectionDimension < 1) throw new ArgumentException($"coreset_projection_dimension must be at least 1, got {CoresetProjectionDimension}");
        if (CoresetStarts < 1) throw new ArgumentException($"coreset_starts must be at least 1, got {CoresetStarts}");
        if (!(Sigma >= 0) || double.IsInfinity(Sigma)) throw new ArgumentException($"sigma must be 0 (no smoothing) or positive, got {Sigma}");
        if (DistanceChunk < 1) throw new ArgumentException($"distance_chunk must be at least 1, got {DistanceChunk}");
    }
}
