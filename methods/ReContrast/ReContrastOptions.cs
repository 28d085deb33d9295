// ReContrast's hyper-parameters: Guo, Lu, Jia, Zhang, Li, "ReContrast: Domain-Specific Anomaly Detection via
// Contrastive Reconstruction", NeurIPS 2023, with the defaults of the official per-class scripts
// (guojiajeremy/ReContrast recontrast_mvtec.py and siblings) and, with multi_class, of the unified scripts
// (recontrast_{mvtec,visa}_multiclass.py); shared/research/methods-2.md §1.

using AnomalyBench.Datasets;
using AnomalyBench.Methods.ReverseDistillation;

namespace AnomalyBench.Methods.ReContrast;

/// <summary>
/// ReContrast's settings. <see cref="Defaults"/> gives the official setting (<see cref="Profile.Paper"/>) or a small CPU
/// setting (<see cref="Profile.Quick"/>); an experiment file overrides any field by its snake_case name. Settings the
/// official scripts choose per data set or category (iterations, encoder BN mode, image score) default to "as the
/// official script of the category's data set" (<see cref="OfficialSettings"/>).
/// </summary>
public sealed record ReContrastOptions : MethodOptions, IBackboneOptions
{
    /// <summary>Official pre-processing: Resize((256, 256)), no crop (ISIC2018: crop 224, set on the data set), ImageNet normalisation; batch 16.</summary>
    public ReContrastOptions()
    {
        Preprocessing = new Preprocessing(256);
        BatchSize = 16;
    }

    /// <summary>The encoder (official <c>wide_resnet50_2</c>, ImageNet weights); the trainable copy and the frozen copy start from it.</summary>
    public string Backbone { get; init; } = "wide_resnet50_2";

    /// <summary><c>auto</c>, <c>pretrained</c>, <c>cntk</c> (resnet18 only) or <c>random</c>; see <see cref="Backbones.WeightsSource.Resolve"/>.</summary>
    public string Weights { get; init; } = "auto";

    /// <summary>
    /// Training iterations T; null = the official script's for the category's data set (MVTec AD 2000, VisA 3000, APTOS
    /// and OCT2017 1000, ISIC2018 2000, multi-class 5000).
    /// </summary>
    public int? Iterations { get; init; }

    /// <summary>AdamW learning rate of the bottleneck and decoder (official 2e-3).</summary>
    public double DecoderLearningRate { get; init; } = 2e-3;

    /// <summary>AdamW learning rate of the trainable encoder (official 1e-5).</summary>
    public double EncoderLearningRate { get; init; } = 1e-5;

    /// <summary>AdamW weight decay of both optimisers (official 1e-5).</summary>
    public double WeightDecay { get; init; } = 1e-5;

    /// <summary>The trainable encoder's BatchNorm mode; <see cref="ReContrast.EncoderBatchNorm.Official"/> follows the official per-category table.</summary>
    public EncoderBatchNorm EncoderBatchNorm { get; init; } = EncoderBatchNorm.Official;

    /// <summary>α of hard-normal mining at iteration 0 (official −3).</summary>
    public double AlphaStart { get; init; } = -3;

    /// <summary>α after the warm-up (official 1: only points above mean + 1σ get gradient).</summary>
    public double AlphaFinal { get; init; } = 1;

    /// <summary>Fraction of the iterations over which α ramps linearly (official 0.1).</summary>
    public double AlphaRamp { get; init; } = 0.1;

    /// <summary>Gradient factor at easy points (official 0: no gradient; Dinomaly later used 0.1).</summary>
    public double Factor { get; init; }

    /// <summary>
    /// The unified multi-class variant (recontrast_*_multiclass.py): GELU decoder, one AdamW (eps 1e-10, amsgrad) with
    /// MultiStepLR at 0.8·T (γ 0.2), drop_last, encoder BN eval, 5000 iterations; maps averaged, 5×5 Gaussian, top-1% mean score.
    /// </summary>
    public bool MultiClass { get; init; }

    /// <summary>The image score; null = the official one (mean of the map on ISIC2018, max elsewhere; top-1% mean multi-class).</summary>
    public ImageScore? ImageScore { get; init; }

    /// <summary>σ of the map smoothing (official 4; scipy-equal per class, a 5×5 kernel multi-class); 0 disables it.</summary>
    public double Sigma { get; init; } = 4;

    /// <summary>
    /// The settings of a profile. <see cref="Profile.Paper"/>: the official setting above. <see cref="Profile.Quick"/>:
    /// ResNet-18 encoders with the official ResNet-18 OCBE and de_resnet18 decoder, 64 px, batch 8, 30 iterations, for a
    /// 2-core CPU (methods/ReContrast/README.md).
    /// </summary>
    public static ReContrastOptions Defaults(Profile profile) => profile switch
    {
        Profile.Paper => new ReContrastOptions(),
        Profile.Quick => new ReContrastOptions { Backbone = "resnet18", Preprocessing = new Preprocessing(64), BatchSize = 8, Iterations = 30 },
        _ => throw new ArgumentOutOfRangeException(nameof(profile), profile, "unknown profile"),
    };

    public override void Validate()
    {
        base.Validate();
        SharedOptionChecks.Validate(Backbone, Weights, Preprocessing, Sigma);
        if (Iterations is < 1) throw new ArgumentException($"iterations must be at least 1 (or left out for the official number), got {Iterations}");
        if (!(DecoderLearningRate > 0)) throw new ArgumentException($"decoder_learning_rate must be positive, got {DecoderLearningRate}");
        if (!(EncoderLearningRate >= 0)) throw new ArgumentException($"encoder_learning_rate must be 0 or positive, got {EncoderLearningRate}");
        if (!(WeightDecay >= 0)) throw new ArgumentException($"weight_decay must be 0 or positive, got {WeightDecay}");
        if (!Enum.IsDefined(EncoderBatchNorm)) throw new ArgumentException($"encoder_batch_norm must be official, train or eval, got {EncoderBatchNorm}");
        if (!(AlphaFinal >= AlphaStart)) throw new ArgumentException($"alpha_final ({AlphaFinal}) must not be below alpha_start ({AlphaStart})");
        if (!(AlphaRamp >= 0 && AlphaRamp <= 1)) throw new ArgumentException($"alpha_ramp must be a fraction of the iterations in [0, 1], got {AlphaRamp}");
        if (!(Factor >= 0 && Factor <= 1)) throw new ArgumentException($"factor must be in [0, 1], got {Factor}");
        if (ImageScore is { } score && !Enum.IsDefined(score)) throw new ArgumentException($"image_score must be max, mean or top_percent_mean, got {score}");
    }
}
