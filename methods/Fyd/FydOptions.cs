// FYD's hyper-parameters: Zheng et al., "Focus Your Distribution: Coarse-to-Fine Non-Contrastive Learning for
// Anomaly Detection and Localization", ICME 2022 (arXiv 2110.04538). Only the abstract and secondary descriptions
// could be read (shared/research/methods-1.md §3.2); no code is public. What the paper states is marked [paper];
// everything else is the harness's choice, taken from RegAD (MediaBrain-SJTU/RegAD, methods-1.md §3.4) and PaDiM
// where they apply, and marked [harness] — see methods/Fyd/README.md.

using AnomalyBench.Datasets;

namespace AnomalyBench.Methods.Fyd;

/// <summary>
/// FYD's settings. <see cref="Defaults"/> gives the harness's reading of the paper (<see cref="Profile.Paper"/>) or a
/// small CPU setting (<see cref="Profile.Quick"/>); an experiment file overrides any field by its snake_case name.
/// </summary>
public sealed record FydOptions : MethodOptions, IBackboneOptions
{
    /// <summary>[harness, RegAD] 224 px, resized without a crop, ImageNet normalisation; batch 32.</summary>
    public FydOptions()
    {
        Preprocessing = new Preprocessing(224);
        BatchSize = 32;
    }

    /// <summary>[paper: PaDiM-based] an ImageNet ResNet (<c>resnet18</c> default as RegAD, or <c>wide_resnet50_2</c>).</summary>
    public string Backbone { get; init; } = "resnet18";

    /// <summary>[paper: PaDiM-style multi-level features] the stages whose features form the Gaussian's embedding; the first sets the grid.</summary>
    public IReadOnlyList<string> Layers { get; init; } = ["layer1", "layer2", "layer3"];

    /// <summary><c>auto</c>, <c>pretrained</c>, <c>cntk</c> (resnet18 only) or <c>random</c>; see <see cref="Backbones.WeightsSource.Resolve"/>.</summary>
    public string Weights { get; init; } = "auto";

    /// <summary>[paper] image-level coarse alignment (ICA): a spatial transformer on the input image, trained by L_ICA. Ablation switch.</summary>
    public bool ImageAlignment { get; init; } = true;

    /// <summary>[paper] feature-level coarse alignment (FCA): a spatial transformer after every backbone stage, trained through the fine loss. Ablation switch.</summary>
    public bool FeatureAlignment { get; init; } = true;

    /// <summary>[paper] fine alignment: the dense non-contrastive loss across the batch. Ablation switch (off: FCA and the backbone are not trained).</summary>
    public bool FineAlignment { get; init; } = true;

    /// <summary>
    /// [harness] the image transformer's parameterisation: <c>rigid</c> (angle, t_x, t_y; default: it moves and turns the
    /// object but cannot zoom into the background, which would make every image alike and L_ICA 0), <c>translation</c>,
    /// <c>rotation_scale</c> or <c>affine</c>.
    /// </summary>
    public string ImageTransform { get; init; } = "rigid";

    /// <summary>[harness, RegAD default] the feature transformers' parameterisation (same choices as <see cref="ImageTransform"/>).</summary>
    public string FeatureTransform { get; init; } = "rotation_scale";

    /// <summary>[harness] the localisation nets end in an adaptive average pool to this side, so their FC layer does not depend on the input size.</summary>
    public int LocalisationPool { get; init; } = 8;

    /// <summary>
    /// [harness] h of L_ICA: the aligned normalised image average-pooled by this factor (8 = the layer-2 grid); it has no
    /// parameters, so L_ICA moves only θ. A coarse h widens the basin of the alignment objective: on the generated pill,
    /// 8 gave I-AUROC 0.948 where 4 gave 0.688 (methods/Fyd/README.md).
    /// </summary>
    public int ImageAlignmentPool { get; init; } = 8;

    /// <summary>[harness] λ: total loss = fine + λ·L_ICA.</summary>
    public double Lambda { get; init; } = 1.0;

    /// <summary>[harness, RegAD] the fine loss acts on this stage's aligned map (RegAD: the deepest, layer3).</summary>
    public string FineLayer { get; init; } = "layer3";

    /// <summary>[harness, RegAD] channels of the dense projector's hidden and output 1×1 convolutions; 0 = the stage's channels.</summary>
    public int ProjectorDimension { get; init; }

    /// <summary>[harness, SimSiam/RegAD] hidden channels of the predictor's bottleneck; 0 = the projector dimension.</summary>
    public int PredictorDimension { get; init; }

    /// <summary>[harness, RegAD: the whole STN-ResNet is optimised] whether the fine loss also fine-tunes the backbone (the paper "fine-tunes" PaDiM's features).</summary>
    public bool TrainBackbone { get; init; } = true;

    /// <summary>[harness, RegAD] epochs of SGD (when <see cref="Steps"/> is 0).</summary>
    public int Epochs { get; init; } = 50;

    /// <summary>
    /// [harness] when positive, train for this many SGD steps: the epochs become ⌈steps / batches per epoch⌉ and
    /// <see cref="Epochs"/> is not used. 0 (default) = <see cref="Epochs"/>. RegAD's 50 epochs run over the 14 other
    /// MVTec AD categories, 106–117 batches of 32 per epoch, i.e. 5,300–5,850 updates; per category 50 epochs are 50–600.
    /// 50 updates at lr 1e-4 already move the transformers (measured, methods/Fyd/README.md), so the paper profile keeps
    /// RegAD's epochs; <c>steps: 5500</c> reproduces RegAD's number of updates instead.
    /// </summary>
    public int Steps { get; init; }

    /// <summary>The epochs a training set of <paramref name="batchesPerEpoch"/> batches is trained for.</summary>
    public int ResolvedEpochs(int batchesPerEpoch) =>
        Steps > 0 ? (Steps + Math.Max(batchesPerEpoch, 1) - 1) / Math.Max(batchesPerEpoch, 1) : Epochs;

    /// <summary>[harness, RegAD] SGD learning rate, annealed by a cosine schedule over the epochs.</summary>
    public double LearningRate { get; init; } = 1e-4;

    /// <summary>[harness, RegAD] SGD momentum.</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>
    /// [harness, PaDiM] channels of the random subset the Gaussian is fitted on; 0 = all; null (default) = PaDiM's choice
    /// for the backbone: 100 for ResNet-18, 550 for Wide-ResNet-50-2 (a full 1792-channel covariance per location would
    /// need ~40 GB), all channels otherwise.
    /// </summary>
    public int? GaussianChannels { get; init; }

    /// <summary>The subset size <see cref="GaussianChannels"/> resolves to (0 = all).</summary>
    public int ResolvedGaussianChannels() => GaussianChannels ?? Backbone switch
    {
        "resnet18" => 100,
        "wide_resnet50_2" => 550,
        _ => 0,
    };

    /// <summary>[harness, PaDiM] ε of Σ + ε·I.</summary>
    public double CovarianceEpsilon { get; init; } = 0.01;

    /// <summary>
    /// [harness] where the Gaussian lives: <c>aligned</c> (default; features are mapped back through the FCA inverses to
    /// the image-aligned frame, the Gaussian is fitted there and the score map is mapped to the input through the
    /// inverse ICA transform) or <c>input</c> (features mapped back through every inverse, as RegAD does).
    /// </summary>
    public string ScoringFrame { get; init; } = "aligned";

    /// <summary>[harness, as every method here] σ of the Gaussian that smooths the upsampled map; 0 disables it.</summary>
    public double Sigma { get; init; } = 4;

    /// <summary>
    /// The settings of a profile. <see cref="Profile.Paper"/>: above. <see cref="Profile.Quick"/>: ResNet-18, 128 px,
    /// batch 8, 3 epochs at learning rate 1e-3, for a 2-core CPU. 0.01, chosen with random weights so that a few steps
    /// move the transformers, wrecks real ImageNet features (generated wood P-AUROC 0.625 against 0.969; methods/Fyd/README.md).
    /// </summary>
    public static FydOptions Defaults(Profile profile) => profile switch
    {
        Profile.Paper => new FydOptions(),
        Profile.Quick => new FydOptions { Preprocessing = new Preprocessing(128), BatchSize = 8, Epochs = 3, LearningRate = 1e-3 },
        _ => throw new ArgumentOutOfRangeException(nameof(profile), profile, "unknown profile"),
    };

    internal static readonly string[] TransformNames = ["rigid", "translation", "rotation_scale", "affine"];

    public override void Validate()
    {
        base.Validate();
        BackboneOptionChecks.Validate(this, Layers, "[layer1, layer2, layer3]");
        if (Layers.Any(l => l is not ("layer1" or "layer2" or "layer3" or "layer4")))
            throw new ArgumentException($"layers must be ResNet stages layer1..layer4, got [{string.Join(", ", Layers)}]");
        if (!Layers.Contains(FineLayer)) throw new ArgumentException($"fine_layer '{FineLayer}' must be one of layers [{string.Join(", ", Layers)}]");
        if (!TransformNames.Contains(ImageTransform)) throw new ArgumentException($"image_transform must be one of {string.Join(", ", TransformNames)}, got '{ImageTransform}'");
        if (!TransformNames.Contains(FeatureTransform)) throw new ArgumentException($"feature_transform must be one of {string.Join(", ", TransformNames)}, got '{FeatureTransform}'");
        if (LocalisationPool < 1) throw new ArgumentException($"localisation_pool must be at least 1, got {LocalisationPool}");
        if (ImageAlignmentPool < 1) throw new ArgumentException($"image_alignment_pool must be at least 1, got {ImageAlignmentPool}");
        if (!(Lambda >= 0)) throw new ArgumentException($"lambda must be 0 or positive, got {Lambda}");
        if (ProjectorDimension < 0) throw new ArgumentException($"projector_dimension must be 0 (the stage's channels) or positive, got {ProjectorDimension}");
        if (PredictorDimension < 0) throw new ArgumentException($"predictor_dimension must be 0 (the projector's) or positive, got {PredictorDimension}");
        if (Epochs < 0) throw new ArgumentException($"epochs must be 0 or more, got {Epochs}");
        if (Steps < 0) throw new ArgumentException($"steps must be 0 (epochs decide) or positive, got {Steps}");
        if (!(LearningRate > 0)) throw new ArgumentException($"learning_rate must be positive, got {LearningRate}");
        if (!(Momentum >= 0 && Momentum < 1)) throw new ArgumentException($"momentum must be in [0, 1), got {Momentum}");
        if (GaussianChannels < 0) throw new ArgumentException($"gaussian_channels must be 0 (all), positive, or left out (PaDiM's choice for the backbone), got {GaussianChannels}");
        if (!(CovarianceEpsilon > 0)) throw new ArgumentException($"covariance_epsilon must be positive, got {CovarianceEpsilon}");
        if (ScoringFrame is not ("aligned" or "input")) throw new ArgumentException($"scoring_frame must be aligned or input, got '{ScoringFrame}'");
        if (!(Sigma >= 0) || double.IsInfinity(Sigma)) throw new ArgumentException($"sigma must be 0 (no smoothing) or positive, got {Sigma}");
        if ((ImageAlignment || FineAlignment) && (Epochs > 0 || Steps > 0) && BatchSize < 2)
            throw new ArgumentException($"batch_size must be at least 2 when FYD trains (its losses compare images of a batch), got {BatchSize}");
    }
}
