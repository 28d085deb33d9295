// PatchCore's hyper-parameters: Roth et al., "Towards Total Recall in Industrial Anomaly Detection",
// CVPR 2022, with the defaults of the official code's baseline run IM224_WR50_L2-3_P01_D1024-1024_PS-3_AN-1
// (amazon-science/patchcore-inspection, sample_training.sh and bin/run_patchcore.py), which give the
// published MVTec AD numbers (I-AUROC 99.2 %).

using AnomalyBench.Datasets;

namespace AnomalyBench.Methods.PatchCore;

/// <summary>
/// PatchCore's settings. <see cref="Defaults"/> gives the official baseline (<see cref="Profile.Paper"/>)
/// or a small CPU setting (<see cref="Profile.Quick"/>); an experiment file overrides any field by its
/// snake_case name (<c>coreset_ratio: 0.01</c>).
/// </summary>
public sealed record PatchCoreOptions : MethodOptions, IBackboneOptions
{
    /// <summary>The official pre-processing and batch size: Resize(256) → CenterCrop(224), ImageNet normalisation; batch 2.</summary>
    public PatchCoreOptions()
    {
        Preprocessing = new Preprocessing(256, 224, ResizeMode.ShorterSide);
        BatchSize = 2;
    }

    /// <summary>The feature extractor, a name of the backbone catalog (official: <c>-b wideresnet50</c>).</summary>
    public string Backbone { get; init; } = "wide_resnet50_2";

    /// <summary>
    /// The stages whose patch features are combined (Sec. 3.1: mid-level features j = 2, 3). The first one
    /// sets the patch grid; the others are resampled to it (official <c>-le layer2 -le layer3</c>).
    /// </summary>
    public IReadOnlyList<string> Layers { get; init; } = ["layer2", "layer3"];

    /// <summary>
    /// <c>auto</c> (the store's pretrained file when it has one, else the packaged CNTK ImageNet network for resnet18 and
    /// random for other backbones), <c>pretrained</c> (an error when the file is missing), <c>cntk</c> (the packaged
    /// ResNet-18) or <c>random</c> (torchvision's initialisation seeded with the run's seed); see
    /// <see cref="Backbones.WeightsSource.Resolve"/>. Every result records which one ran.
    /// </summary>
    public string Weights { get; init; } = "auto";

    /// <summary>Side p of the neighbourhood aggregated around every feature position (Sec. 3.1, Eq. 1; official <c>--patchsize 3</c>). Odd.</summary>
    public int PatchSize { get; init; } = 3;

    /// <summary>Each layer's flattened C·p·p patch vector is average-pooled to this length (official <c>--pretrain_embed_dimension</c>).</summary>
    public int PretrainDimension { get; init; } = 1024;

    /// <summary>The layers' pooled vectors, concatenated, are pooled again to this length: the memory bank's dimension (official <c>--target_embed_dimension</c>).</summary>
    public int TargetDimension { get; init; } = 1024;

    /// <summary>The fraction of all training patches kept by the greedy coreset (Sec. 3.2; official <c>sampler -p 0.1</c>; the paper also reports 0.01 and 0.25). 1 keeps the whole bank.</summary>
    public double CoresetRatio { get; init; } = 0.1;

    /// <summary>Dimension of the random linear projection the coreset selection measures distances in (Sec. 3.2, Johnson–Lindenstrauss; official 128).</summary>
    public int ProjectionDimension { get; init; } = 128;

    /// <summary>Random start points whose mean distance initialises the coreset's minimum distances (official <c>number_of_starting_points=10</c>).</summary>
    public int CoresetStarts { get; init; } = 10;

    /// <summary>
    /// k: a patch's score is the mean squared distance to its k nearest bank entries. 1, the value every published
    /// PatchCore run used: the official <c>--anomaly_scorer_num_nn</c> flag never takes effect, because
    /// <c>bin/run_patchcore.py</c> passes it as <c>anomaly_scorer_num_nn=</c> to <c>PatchCore.load</c>, whose
    /// parameter is <c>anomaly_score_num_nn</c> (default 1): the keyword is swallowed by <c>**kwargs</c>, so the runs of
    /// <c>sample_training.sh</c> with <c>--anomaly_scorer_num_nn 3</c> or <c>5</c> scored with k = 1 too. k &gt; 1 is
    /// what the official code would do if the flag worked (NearestNeighbourScorer.predict: mean over k).
    /// </summary>
    public int NumNeighbours { get; init; } = 1;

    /// <summary>
    /// Applies the paper's image-score re-weighting (Sec. 3.3, Eq. 7), which the official code omits
    /// (patchcore-inspection issues #27 and #54). Off by default, as in the code that produced the published numbers.
    /// </summary>
    public bool Reweight { get; init; }

    /// <summary>
    /// b of Eq. 7: how many nearest bank entries of m* (m* itself first) form the softmax's denominator. The paper
    /// gives no value; 9 is anomalib's (PatchcoreModel's <c>num_neighbors</c>), the reference implementation of Eq. 7.
    /// </summary>
    public int ReweightNeighbours { get; init; } = 9;

    /// <summary>σ of the Gaussian that smooths the upsampled anomaly map (official RescaleSegmentor: <c>gaussian_filter(σ=4)</c>); 0 disables it.</summary>
    public double Sigma { get; init; } = 4;

    /// <summary>
    /// Rows of the queries and of the memory bank per distance block: a block holds DistanceChunk² floats
    /// (4096 → 64 MiB), whatever the bank's size. Results do not depend on it.
    /// </summary>
    public int DistanceChunk { get; init; } = 4096;

    /// <summary>
    /// The settings of a profile. <see cref="Profile.Paper"/>: the official baseline above.
    /// <see cref="Profile.Quick"/>: everything as the paper's but the image size: 128-px centre crops of images
    /// resized to 146 px (the paper's 224/256 ratio), a 16×16 patch grid instead of 28×28. A 128-px category of
    /// 60 training and 40 test images runs in about 10 s on a 2-core CPU (methods/PatchCore/README.md).
    /// </summary>
    public static PatchCoreOptions Defaults(Profile profile) => profile switch
    {
        Profile.Paper => new PatchCoreOptions(),
        Profile.Quick => new PatchCoreOptions { Preprocessing = new Preprocessing(146, 128, ResizeMode.ShorterSide) },
        _ => throw new ArgumentOutOfRangeException(nameof(profile), profile, "unknown profile"),
    };

    public override void Validate()
    {
        base.Validate();
        BackboneOptionChecks.Validate(this, Layers, "[layer2, layer3]");
        if (PatchSize < 1 || PatchSize % 2 == 0)
            throw new ArgumentException($"patch_size must be odd and at least 1 (the patch grid keeps the feature map's size), got {PatchSize}");
        if (PretrainDimension < 1) throw new ArgumentException($"pretrain_dimension must be at least 1, got {PretrainDimension}");
        if (TargetDimension < 1) throw new ArgumentException($"target_dimension must be at least 1, got {TargetDimension}");
        if (!(CoresetRatio > 0 && CoresetRatio <= 1)) throw new ArgumentException($"coreset_ratio must be in (0, 1], got {CoresetRatio}");
        if (ProjectionDimension < 1) throw new ArgumentException($"projection_dimension must be at least 1, got {ProjectionDimension}");
        if (CoresetStarts < 1) throw new ArgumentException($"coreset_starts must be at least 1, got {CoresetStarts}");
        if (NumNeighbours < 1) throw new ArgumentException($"num_neighbours must be at least 1, got {NumNeighbours}");
        if (ReweightNeighbours < 1) throw new ArgumentException($"reweight_neighbours must be at least 1, got {ReweightNeighbours}");
        if (!(Sigma >= 0) || double.IsInfinity(Sigma)) throw new ArgumentException($"sigma must be 0 (no smoothing) or positive, got {Sigma}");
        if (DistanceChunk < 1) throw new ArgumentException($"distance_chunk must be at least 1, got {DistanceChunk}");
    }
}
