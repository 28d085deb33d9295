// CFA's hyper-parameters: Lee, Lee, Song, "CFA: Coupled-hypersphere-based Feature Adaptation for Target-Oriented
// Anomaly Localization", IEEE Access 2022 (arXiv 2206.04325), §4.1, with the defaults of the official code
// (sungwool/CFA_for_anomaly_localization, trainer_cfa.py and utils/cfa.py), which produced the published numbers.

using AnomalyBench.Datasets;
using AnomalyBench.Methods.Backbones;

namespace AnomalyBench.Methods.Cfa;

/// <summary>
/// CFA's settings. <see cref="Defaults"/> gives the official setting (<see cref="Profile.Paper"/>) or a small CPU
/// setting (<see cref="Profile.Quick"/>); an experiment file overrides any field by its snake_case name.
/// </summary>
public sealed record CfaOptions : MethodOptions, IBackboneOptions
{
    /// <summary>
    /// Official pre-processing ("R+C", datasets/mvtec.py): Resize(256, Image.ANTIALIAS) → CenterCrop(224), ImageNet
    /// normalisation; batch 4 (trainer_cfa.py). ANTIALIAS is PIL's Lanczos filter, hence <see cref="ResizeFilter.Lanczos"/>.
    /// </summary>
    public CfaOptions()
    {
        Preprocessing = new Preprocessing(256, 224, ResizeMode.ShorterSide, ResizeFilter: ResizeFilter.Lanczos);
        BatchSize = 4;
    }

    /// <summary>The frozen feature extractor (official default <c>wide_resnet50_2</c>; <c>resnet18</c> is the paper's Table 7 option).</summary>
    public string Backbone { get; init; } = "wide_resnet50_2";

    /// <summary>The stages {C2, C3, C4} (§4.1). The first sets the patch grid; the others are upsampled to it.</summary>
    public IReadOnlyList<string> Layers { get; init; } = ["layer1", "layer2", "layer3"];

    /// <summary>
    /// Which tensor each stage's feature map is. <see cref="Backbones.FeatureActivation.LeakyRelu"/> (default): the
    /// official cnn/resnet.py's <c>F.leaky_relu</c> (slope 0.01) of the stage's residual sum before its final ReLU,
    /// so negative sums survive scaled by 0.01. <see cref="Backbones.FeatureActivation.Relu"/>: torchvision's stage
    /// output (anomalib's CFA and every other method here).
    /// </summary>
    public FeatureActivation FeatureActivation { get; init; } = FeatureActivation.LeakyRelu;

    /// <summary><c>auto</c>, <c>pretrained</c>, <c>cntk</c> (resnet18 only) or <c>random</c>; see <see cref="Backbones.WeightsSource.Resolve"/>.</summary>
    public string Weights { get; init; } = "auto";

    /// <summary>γ_d: the descriptor maps C channels to C/γ_d (official <c>--gamma_d 1</c>).</summary>
    public int GammaD { get; init; } = 1;

    /// <summary>γ_c: the memory bank keeps H·W/γ_c k-means centres (official <c>--gamma_c 1</c>: no k-means).</summary>
    public int GammaC { get; init; } = 1;

    /// <summary>Lloyd iterations of the k-means compression (official sklearn <c>max_iter=3000</c>; it stops earlier when the assignment is stable).</summary>
    public int KMeansIterations { get; init; } = 3000;

    /// <summary>K: the nearest bank entries a patch is attracted to (Eq. 2; official K = 3); also the neighbours of the score (Eq. 4).</summary>
    public int K { get; init; } = 3;

    /// <summary>J: the next nearest entries (K+1..K+J) the patch is repelled from (Eq. 3; official J = 3).</summary>
    public int J { get; init; } = 3;

    /// <summary>α: the repulsion margin (Eq. 3; official 0.1).</summary>
    public double Alpha { get; init; } = 0.1;

    /// <summary>ν: the loss is scaled by 1/ν (official <c>nu = 1e-3</c>, not in the paper's text).</summary>
    public double Nu { get; init; } = 1e-3;

    /// <summary>Initial hypersphere radius r (official 1e-5). Trainable as in the official code (anomalib freezes it).</summary>
    public double Radius { get; init; } = 1e-5;

    /// <summary>Whether r is optimised with the descriptor (official: yes; anomalib: no, which makes L_rep ≡ 0).</summary>
    public bool TrainRadius { get; init; } = true;

    /// <summary>Training epochs (official 30). The last epoch is reported: no epoch is selected on the test set.</summary>
    public int Epochs { get; init; } = 30;

    /// <summary>AdamW learning rate (official 1e-3).</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>AdamW weight decay (official 5e-4, with amsgrad).</summary>
    public double WeightDecay { get; init; } = 5e-4;

    /// <summary>
    /// Evaluate the test set after every n-th epoch and record the metrics in metrics.json as intermediate, for the
    /// training curve only (official trainer_cfa.py evaluates every epoch and keeps the best, a test-set selection
    /// this harness does not make). 0 (default) turns it off.
    /// </summary>
    public int EvalEvery { get; init; }

    /// <summary>σ of the Gaussian that smooths the upsampled map (official <c>gaussian_filter(σ=4)</c>); 0 disables it.</summary>
    public double Sigma { get; init; } = 4;

    /// <summary>
    /// The settings of a profile. <see cref="Profile.Paper"/>: the official setting above. <see cref="Profile.Quick"/>:
    /// ResNet-18 (448 channels), 128-px crops of images resized to 146 px (the 224/256 ratio, a 32×32 grid) and
    /// 3 epochs, for a 2-core CPU (methods/Cfa/README.md).
    /// </summary>
    public static CfaOptions Defaults(Profile profile) => profile switch
    {
        Profile.Paper => new CfaOptions(),
        Profile.Quick => new CfaOptions
        {
            Backbone = "resnet18",
            Preprocessing = new Preprocessing(146, 128, ResizeMode.ShorterSide, ResizeFilter: ResizeFilter.Lanczos),
            Epochs = 3,
        },
        _ => throw new ArgumentOutOfRangeException(nameof(profile), profile, "unknown profile"),
    };

    public override void Validate()
    {
        base.Validate();
        if (string.IsNullOrWhiteSpace(Backbone)) throw new ArgumentException("backbone must name a backbone, e.g. wide_resnet50_2");
        if (Layers is null || Layers.Count == 0) throw new ArgumentException("layers must list at least one stage, e.g. [layer1, layer2, layer3]");
        if (Layers.Distinct(StringComparer.Ordinal).Count() != Layers.Count) throw new ArgumentException($"layers lists a stage twice: [{string.Join(", ", Layers)}]");
        Backbones.WeightsSource.Validate(Weights, [Backbone]);
        if (!Enum.IsDefined(FeatureActivation)) throw new ArgumentException($"feature_activation must be leaky_relu or relu, got {FeatureActivation}");
        if (GammaD < 1) throw new ArgumentException($"gamma_d must be at least 1, got {GammaD}");
        if (GammaC < 1) throw new ArgumentException($"gamma_c must be at least 1, got {GammaC}");
        if (KMeansIterations < 0) throw new ArgumentException($"k_means_iterations must be 0 (k-means++ seeding only) or more, got {KMeansIterations}");
        if (K < 1) throw new ArgumentException($"k must be at least 1, got {K}");
        if (J < 0) throw new ArgumentException($"j must be 0 or more, got {J}");
        if (!(Alpha >= 0)) throw new ArgumentException($"alpha must be 0 or positive, got {Alpha}");
        if (!(Nu > 0)) throw new ArgumentException($"nu must be positive, got {Nu}");
        if (!(Radius >= 0)) throw new ArgumentException($"radius must be 0 or positive, got {Radius}");
        if (Epochs < 0) throw new ArgumentException($"epochs must be 0 or more, got {Epochs}");
        if (EvalEvery < 0) throw new ArgumentException($"eval_every must be 0 (off) or a number of epochs, got {EvalEvery}");
        if (!(LearningRate > 0)) throw new ArgumentException($"learning_rate must be positive, got {LearningRate}");
        if (!(WeightDecay >= 0)) throw new ArgumentException($"weight_decay must be 0 or positive, got {WeightDecay}");
        if (!(Sigma >= 0) || double.IsInfinity(Sigma)) throw new ArgumentException($"sigma must be 0 (no smoothing) or positive, got {Sigma}");
    }
}
