// SSM's hyper-parameters: Huang, Xu, Wang, Wang, Zhang, "Self-Supervised Masking for Unsupervised Anomaly Detection
// and Localization", IEEE TMM 2022 (arXiv 2205.06568). The paper text was not available; the defaults are those of the
// official Retinal-OCT code (MediaBrain-SJTU/SSM train.py, test.py, datasets/retinaOCT.py), which produced its 98.3 AUC.
// The MVTec AD setting (not published) is the RIAD code SSM builds on (experiments/ssm-mvtec.yaml, methods/Ssm/README.md).

using AnomalyBench.Datasets;

namespace AnomalyBench.Methods.Ssm;

/// <summary>
/// SSM's settings. <see cref="Defaults"/> gives the official Retinal-OCT setting (<see cref="Profile.Paper"/>) or a small
/// CPU setting (<see cref="Profile.Quick"/>); an experiment file overrides any field by its snake_case name.
/// </summary>
public sealed record SsmOptions : MethodOptions
{
    /// <summary>Official retinaOCT.py: Resize([128,128]) → ToTensor() (inputs in [0,1], no normalisation); train.py batch 32.</summary>
    public SsmOptions()
    {
        Preprocessing = new Preprocessing(128, Normalization: Normalization.None);
        BatchSize = 32;
    }

    /// <summary>The cell sizes k of the masks (official train.py/test.py <c>--k_value 2 4 8</c>; RIAD's MVTec AD: 2 4 8 16).</summary>
    public IReadOnlyList<int> KValues { get; init; } = [2, 4, 8];

    /// <summary>Channels of the first U-Net level; the levels have c, 2c, 4c, 8c, 8c (official 64). Smaller only in the quick profile.</summary>
    public int BaseChannels { get; init; } = 64;

    /// <summary>Training epochs (official 50; RIAD 300 with early stopping).</summary>
    public int Epochs { get; init; } = 50;

    /// <summary>Adam learning rate (official 1e-4).</summary>
    public double LearningRate { get; init; } = 1e-4;

    /// <summary>Adam weight decay, an L2 term on the gradient (official 1e-5).</summary>
    public double WeightDecay { get; init; } = 1e-5;

    /// <summary>
    /// The 1-based epochs from which the learning rate is multiplied by another 0.1 (official adjust_learning_rate: 15, 30, 45 of 50,
    /// i.e. 30/60/90 %; RIAD: 250). Epochs beyond <see cref="Epochs"/> never come.
    /// </summary>
    public IReadOnlyList<int> LrDecayEpochs { get; init; } = [15, 30, 45];

    /// <summary>γ: weight of the MSE term (official <c>--gamma 1</c>).</summary>
    public double Gamma { get; init; } = 1;

    /// <summary>α: weight of the multi-scale GMS term (official <c>--alpha 1</c>).</summary>
    public double Alpha { get; init; } = 1;

    /// <summary>β: weight of the 1 − SSIM term (official <c>--belta 1</c>).</summary>
    public double Beta { get; init; } = 1;

    /// <summary>
    /// Maps inputs from [0,1] to [−1,1] by (x − 0.5)/0.5 inside the method, RIAD's <c>Normalize(0.5, 0.5)</c> for MVTec AD
    /// (the data pipeline has no such normalisation). Off for Retinal-OCT: the official code feeds [0,1] to a tanh output.
    /// </summary>
    public bool SymmetricInputs { get; init; }

    /// <summary>Fraction of the training images held out for early stopping (RIAD: 0.2); 0 trains on all and keeps the last epoch (official SSM).</summary>
    public double ValidationRatio { get; init; }

    /// <summary>Epochs without a lower hold-out loss before training stops (RIAD EarlyStop patience 20); the best hold-out epoch is kept. 0 = no early stopping.</summary>
    public int Patience { get; init; }

    /// <summary>Refinement rounds after the first pass (official test.py <c>--refine_num 2</c>: one round); 0 scores the first pass.</summary>
    public int RefinementRounds { get; init; } = 1;

    /// <summary>A pixel is confidently normal where 255·score ≤ −threshold (official <c>--threshold 0.96</c>, tuned for 128 px and k = 2, 4, 8).</summary>
    public double Threshold { get; init; } = 0.96;

    /// <summary>A refinement block is uncovered when more than this fraction of its pixels is confidently normal (official <c>--ratio 0.8</c>).</summary>
    public double Ratio { get; init; } = 0.8;

    /// <summary>Refinement blocks per side: blocks of S/grid pixels (official: 16 blocks of 8 px, hard-coded for 128 px).</summary>
    public int RefinementGrid { get; init; } = 16;

    /// <summary>Seed of the inference masks of pass 0; pass r uses seed + r (official <c>setup_seed(args.seed + num)</c>, seed 8).</summary>
    public int MaskSeed { get; init; } = 8;

    /// <summary>σ of the Gaussian that smooths each pass's map (official <c>gaussian_filter(sigma=7)</c>); 0 disables it.</summary>
    public double Sigma { get; init; } = 7;

    /// <summary>Whether that Gaussian runs along each row (official test.py at batch 1, default) or in 2-D (<see cref="MapSmoothing"/>).</summary>
    public MapSmoothing Smoothing { get; init; } = MapSmoothing.Rows;

    /// <summary>Which statistics turn the map maximum and the MSE into one image score (methods/Ssm/README.md).</summary>
    public ScoreNormalization ScoreNorm { get; init; } = ScoreNormalization.Train;

    /// <summary>The mask count n of gen_mask (3 complementary masks per draw in the official code); fixed.</summary>
    public const int MaskCount = 3;

    /// <summary>
    /// The settings of a profile. <see cref="Profile.Paper"/>: the official Retinal-OCT setting above. <see cref="Profile.Quick"/>,
    /// for a 2-core CPU (methods/Ssm/README.md): 32-px input, a U-Net of base width 8, batch 4, 4 epochs of Adam at lr 1e-3
    /// without decay, threshold 15.36 (= 0.96 × 16: at a quarter of the size every 1/N_k² weight is 16 times larger, so a
    /// perfectly inpainted pixel scores 16 times lower), refinement blocks of 2 px.
    /// </summary>
    public static SsmOptions Defaults(Profile profile) => profile switch
    {
        Profile.Paper => new SsmOptions(),
        Profile.Quick => new SsmOptions
        {
            Preprocessing = new Preprocessing(32, Normalization: Normalization.None),
            BaseChannels = 8,
            BatchSize = 4,
            Epochs = 4,
            LearningRate = 1e-3,
            LrDecayEpochs = [],
            Threshold = ScaledThreshold(32, [2, 4, 8]),
        },
        _ => throw new ArgumentOutOfRangeException(nameof(profile), profile, "unknown profile"),
    };

    /// <summary>
    /// 255 × the score of a perfectly inpainted pixel, Σ_k −0.75/N_k² with N_k = S/k (each scale's 1 − GMS is 0, so
    /// MSGMS_Score is −3/4): −0.98 at the official 128 px with k = 2, 4, 8, just below which the official threshold 0.96 sits.
    /// At another size or k set the threshold must keep its ratio to this value, or refinement uncovers nothing or everything.
    /// </summary>
    public static double PerfectReconstructionScore(int size, IEnumerable<int> kValues) =>
        255 * kValues.Sum(k => -0.75 / ((double)(size / k) * (size / k)));

    /// <summary>The official threshold 0.96 (128 px, k = 2, 4, 8) scaled to keep its ratio to <see cref="PerfectReconstructionScore"/>.</summary>
    public static double ScaledThreshold(int size, IEnumerable<int> kValues) =>
        0.96 * PerfectReconstructionScore(size, kValues) / PerfectReconstructionScore(128, [2, 4, 8]);

    /// <summary>
    /// RIAD's MVTec AD setting, the labelled stand-in for SSM's unpublished one (plutoyuxie/Reconstruction-by-inpainting-…
    /// train.py, datasets/mvtec.py): 256 px with PIL's ANTIALIAS (Lanczos), Normalize(0.5, 0.5), k = 2, 4, 8, 16, batch 4, up to 300 epochs, lr × 0.1 at
    /// epoch 250, early stopping (patience 20) on 20 % of the training images. experiments/ssm-mvtec.yaml sets the same fields.
    /// </summary>
    public static SsmOptions RiadMVTec() => new()
    {
        // RIAD datasets/mvtec.py: Resize(256, Image.ANTIALIAS), i.e. PIL's Lanczos.
        Preprocessing = new Preprocessing(256, Normalization: Normalization.None, ResizeFilter: ResizeFilter.Lanczos),
        SymmetricInputs = true,
        KValues = [2, 4, 8, 16],
        BatchSize = 4,
        Epochs = 300,
        LrDecayEpochs = [250],
        ValidationRatio = 0.2,
        Patience = 20,
        Threshold = ScaledThreshold(256, [2, 4, 8, 16]),
        RefinementGrid = 16,
    };

    public override void Validate()
    {
        base.Validate();
        var size = Preprocessing.OutputSize;
        if (size < 32)
            throw new ArgumentException($"image_size (crop if set) must be at least 32: the GMS loss needs a 3-pixel image at its fourth scale (S/8), got {size}");
        if (size % 16 != 0)
            throw new ArgumentException($"image_size (crop if set) must be a multiple of 16 for the U-Net's four stride-2 levels, got {size}");
        if (KValues is null || KValues.Count == 0) throw new ArgumentException("k_values must list at least one mask cell size, e.g. [2, 4, 8]");
        foreach (var k in KValues)
        {
            if (k < 1) throw new ArgumentException($"k_values must be positive cell sizes, got {k}");
            if (size % k != 0)
                throw new ArgumentException($"k_values: the image size {size} is not divisible by k = {k}; every k must divide image_size (crop if set) so the mask cells tile the image");
            if ((size / k) * (size / k) < MaskCount)
                throw new ArgumentException($"k_values: k = {k} leaves {(size / k) * (size / k)} cells of a {size}-px image, fewer than the {MaskCount} masks");
        }
        if (KValues.Distinct().Count() != KValues.Count) throw new ArgumentException($"k_values lists a cell size twice: [{string.Join(", ", KValues)}]");
        if (BaseChannels < 1) throw new ArgumentException($"base_channels must be at least 1, got {BaseChannels}");
        if (Epochs < 0) throw new ArgumentException($"epochs must be 0 or more, got {Epochs}");
        if (!(LearningRate > 0)) throw new ArgumentException($"learning_rate must be positive, got {LearningRate}");
        if (!(WeightDecay >= 0)) throw new ArgumentException($"weight_decay must be 0 or positive, got {WeightDecay}");
        if (LrDecayEpochs is null || LrDecayEpochs.Any(e => e < 1)) throw new ArgumentException("lr_decay_epochs must list 1-based epochs (at least 1), e.g. [15, 30, 45]");
        if (!(Gamma >= 0) || !(Alpha >= 0) || !(Beta >= 0)) throw new ArgumentException($"gamma, alpha and beta must be 0 or positive, got {Gamma}, {Alpha}, {Beta}");
        if (!(ValidationRatio >= 0 && ValidationRatio < 1)) throw new ArgumentException($"validation_ratio must be in [0, 1), got {ValidationRatio}");
        if (Patience < 0) throw new ArgumentException($"patience must be 0 (no early stopping) or more, got {Patience}");
        if (Patience > 0 && ValidationRatio == 0) throw new ArgumentException("patience needs a hold-out: set validation_ratio (RIAD: 0.2) or patience 0");
        if (RefinementRounds < 0) throw new ArgumentException($"refinement_rounds must be 0 or more, got {RefinementRounds}");
        if (!(Ratio >= 0 && Ratio <= 1)) throw new ArgumentException($"ratio must be in [0, 1], got {Ratio}");
        if (double.IsNaN(Threshold) || double.IsInfinity(Threshold)) throw new ArgumentException($"threshold must be a finite number, got {Threshold}");
        if (RefinementGrid < 1 || size % RefinementGrid != 0)
            throw new ArgumentException($"refinement_grid must divide the image size {size} (official 16 blocks for 128 px), got {RefinementGrid}");
        if (!(Sigma >= 0) || double.IsInfinity(Sigma)) throw new ArgumentException($"sigma must be 0 (no smoothing) or positive, got {Sigma}");
        if (!Enum.IsDefined(ScoreNorm)) throw new ArgumentException($"score_norm must be train, test or none, got {ScoreNorm}");
        if (!Enum.IsDefined(Smoothing)) throw new ArgumentException($"smoothing must be rows or image, got {Smoothing}");
        if (Selection == ModelSelection.BestTestEpoch && ValidationRatio > 0)
            throw new ArgumentException("selection: best_test_epoch chooses the epoch on the test set and validation_ratio on a hold-out of the training images: use one (validation_ratio 0, patience 0 for the official protocol)");
    }
}
