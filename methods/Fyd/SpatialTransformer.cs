// A spatial transformer network (Jaderberg et al., NeurIPS 2015), the building block of both of FYD's coarse
// alignments (arXiv 2110.04538; methods-1.md §3.2: ICA on the image, FCA after every backbone stage). The paper's
// localisation net is not described; this one follows RegAD's models/stn.py (methods-1.md §3.4): conv3×3(C→64)–BN–
// ReLU–MaxPool(3, s2) → conv3×3(64→16)–BN–ReLU–MaxPool(3, s2) → FC(→1024)–ReLU–FC(→n), the last FC zero-weighted
// with its bias at the identity. [harness] An adaptive average pool to a fixed side before the FC keeps its size
// independent of the input (RegAD sizes the FC for each stage's grid at 224 px).

using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using static AnomalyBench.Torch.torch.nn;

namespace AnomalyBench.Methods.Fyd;

/// <summary>
/// Predicts an affine θ [B, 2, 3] per input from the input itself and warps the input by it (reflection padding).
/// Initialised to the identity: before training it returns its input unchanged.
/// </summary>
public sealed class SpatialTransformer : Module<Tensor, (Tensor Output, Tensor Theta)>
{
    private readonly string _parameterisation;

    /// <param name="channels">channels of the input it aligns (3 for the image, the stage's for FCA).</param>
    /// <param name="parameterisation"><c>rigid</c>, <c>translation</c>, <c>rotation_scale</c> or <c>affine</c>.</param>
    /// <param name="pool">side of the adaptive pool before the FC layers.</param>
    public SpatialTransformer(long channels, string parameterisation, int pool)
    {
        _parameterisation = parameterisation;
        var (count, identity) = Identity(parameterisation);
        Localisation = new Sequential(
            ("conv1", torch.nn.Conv2d(channels, 64, 3, padding: 1)),
            ("bn1", torch.nn.BatchNorm2d(64)),
            ("relu1", torch.nn.ReLU()),
            ("pool1", torch.nn.MaxPool2d(3, 2, 1)),
            ("conv2", torch.nn.Conv2d(64, 16, 3, padding: 1)),
            ("bn2", torch.nn.BatchNorm2d(16)),
            ("relu2", torch.nn.ReLU()),
            ("pool2", torch.nn.MaxPool2d(3, 2, 1)),
            ("pool", torch.nn.AdaptiveAvgPool2d(pool)));
        Regression = new Sequential(
            ("fc1", torch.nn.Linear(16L * pool * pool, 1024)),
            ("relu", torch.nn.ReLU()),
            ("fc2", torch.nn.Linear(1024, count)));
        register_module("localisation", Localisation);
        register_module("regression", Regression);
        var last = (Linear)Regression[2];
        using (torch.no_grad())
        {
            torch.nn.init.zeros_(last.weight);
            using var bias = torch.from_array(identity, [count]);
            last.bias!.copy_(bias);
        }
    }

    /// <summary>The convolutional part of the localisation net.</summary>
    public Sequential Localisation { get; }

    /// <summary>The FC part; its last layer regresses the transform's parameters.</summary>
    public Sequential Regression { get; }

    /// <summary>The warped input and θ [B, 2, 3].</summary>
    public override (Tensor Output, Tensor Theta) forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var parameters = Regression.call(Localisation.call(input).flatten(1));
        var theta = Theta(parameters, _parameterisation);
        var output = AffineTransform.Warp(input, theta);
        return (output.MoveToOuterDisposeScope(), theta.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Parameters [B, n] → θ [B, 2, 3]. rigid (α, t_x, t_y): [[cos α, −sin α, t_x], [sin α, cos α, t_y]];
    /// translation (t_x, t_y); rotation_scale (α, s_x, s_y) as RegAD: [[s_x cos α, −sin α, 0], [sin α, s_y cos α, 0]];
    /// affine: the six entries row by row.
    /// </summary>
    public static Tensor Theta(Tensor parameters, string parameterisation)
    {
        using var scope = torch.NewDisposeScope();
        var b = parameters.size(0);
        Tensor P(int k) => parameters.select(1, k);
        var zero = torch.zeros([b], parameters.dtype, parameters.device);
        var one = torch.ones([b], parameters.dtype, parameters.device);
        Tensor[] entries = parameterisation switch
        {
            "rigid" => [P(0).cos(), -P(0).sin(), P(1), P(0).sin(), P(0).cos(), P(2)],
            "translation" => [one, zero, P(0), zero, one, P(1)],
            "rotation_scale" => [P(1) * P(0).cos(), -P(0).sin(), zero, P(0).sin(), P(2) * P(0).cos(), zero],
            "affine" => [P(0), P(1), P(2), P(3), P(4), P(5)],
            _ => throw new ArgumentException($"unknown transform '{parameterisation}' ({string.Join(", ", FydOptions.TransformNames)})", nameof(parameterisation)),
        };
        return torch.stack(entries, 1).view(b, 2, 3).MoveToOuterDisposeScope();
    }

    /// <summary>The number of parameters of a parameterisation and their values at the identity.</summary>
    public static (int Count, float[] Identity) Identity(string parameterisation) => parameterisation switch
    {
        "rigid" => (3, [0, 0, 0]),
        "translation" => (2, [0, 0]),
        "rotation_scale" => (3, [0, 1, 1]),
        "affine" => (6, [1, 0, 0, 0, 1, 0]),
        _ => throw new ArgumentException($"unknown transform '{parameterisation}' ({string.Join(", ", FydOptions.TransformNames)})", nameof(parameterisation)),
    };
}
