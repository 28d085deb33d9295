// RD4AD's hyper-parameters: Deng and Li, "Anomaly Detection via Reverse Distillation from One-Class Embedding",
// CVPR 2022, §4.1, with the defaults of the official code (hq-deng/RD4AD main.py, test.py), which produced the
// published numbers (shared/research/methods-2.md §3).

using AnomalyBench.Datasets;
using AnomalyBench.Methods.ReverseDistillation;

namespace AnomalyBench.Methods.Rd4ad;

/// <summary>Which reconstruction loss RD4AD trains with.</summary>
public enum Rd4adLoss
{
    /// <summary>Σ_l mean_b [1 − cos(flatten(E_l), flatten(D_l))]: the official main.py <c>loss_fucntion</c>.</summary>
    Global,

    /// <summary>The paper's Eq. 1–2: per-pixel 1 − cos averaged over each map (reported less accurate, hq-deng/RD4AD#22).</summary>
    PerPixel,
}

/// <summary>
/// RD4AD's settings. <see cref="Defaults"/> gives the official setting (<see cref="Profile.Paper"/>) or a small CPU
/// setting (<see cref="Profile.Quick"/>); an experiment file overrides any field by its snake_case name.
/// </summary>
public sealed record Rd4adOptions : MethodOptions, IBackboneOptions
{
    /// <summary>Official pre-processing: Resize((256, 256)), no crop, ImageNet normalisation; batch 16 (main.py).</summary>
    public Rd4adOptions()
    {
        Preprocessing = new Preprocessing(256);
        BatchSize = 16;
    }

    /// <summary>The frozen teacher (official <c>wide_resnet50_2</c>); the OCBE and decoder follow it (<see cref="ReverseDistillationArchitecture.For"/>).</summary>
    public string Backbone { get; init; } = "wide_resnet50_2";

    /// <summary><c>auto</c>, <c>pretrained</c>, <c>cntk</c> (resnet18 only) or <c>random</c>; see <see cref="Backbones.WeightsSource.Resolve"/>.</summary>
    public string Weights { get; init; } = "auto";

    /// <summary>Training epochs (official 200; the model of the last epoch is evaluated).</summary>
    public int Epochs { get; init; } = 200;

    /// <summary>Adam learning rate over OCBE + decoder (official 0.005).</summary>
    public double LearningRate { get; init; } = 0.005;

    /// <summary>Adam β1 (official 0.5).</summary>
    public double Beta1 { get; init; } = 0.5;

    /// <summary>Adam β2 (official 0.999).</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>The official global cosine (default) or the paper's per-pixel form.</summary>
    public Rd4adLoss Loss { get; init; } = Rd4adLoss.Global;

    /// <summary>σ of the scipy-equal Gaussian that smooths the map (official 4); 0 disables it.</summary>
    public double Sigma { get; init; } = 4;

    /// <summary>
    /// The settings of a profile. <see cref="Profile.Paper"/>: the official setting above. <see cref="Profile.Quick"/>:
    /// a ResNet-18 teacher with its official ResNet-18 OCBE and de_resnet18 decoder, 64 px, batch 8, 10 epochs, for a
    /// 2-core CPU (methods/Rd4ad/README.md).
    /// </summary>
    public static Rd4adOptions Defaults(Profile profile) => profile switch
    {
        Profile.Paper => new Rd4adOptions(),
        Profile.Quick => new Rd4adOptions { Backbone = "resnet18", Preprocessing = new Preprocessing(64), BatchSize = 8, Epochs = 10 },
        _ => throw new ArgumentOutOfRangeException(nameof(profile), profile, "unknown profile"),
    };

    public override void Validate()
    {
        base.Validate();
        SharedOptionChecks.Validate(Backbone, Weights, Preprocessing, Sigma);
        if (Epochs < 0) throw new ArgumentException($"epochs must be 0 or more, got {Epochs}");
        if (!(LearningRate > 0)) throw new ArgumentException($"learning_rate must be positive, got {LearningRate}");
        if (!(Beta1 >= 0 && Beta1 < 1)) throw new ArgumentException($"beta1 must be in [0, 1), got {Beta1}");
        if (!(Beta2 >= 0 && Beta2 < 1)) throw new ArgumentException($"beta2 must be in [0, 1), got {Beta2}");
        if (!Enum.IsDefined(Loss)) throw new ArgumentException($"loss must be global or per_pixel, got {Loss}");
    }
}
