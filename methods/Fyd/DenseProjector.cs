// The projector and predictor of FYD's fine alignment, applied at every location (1×1 convolutions). The paper's sizes
// are not known (methods-1.md §3.3 NOT FOUND); the layout is RegAD's models/siamese.py (methods-1.md §3.4), i.e.
// SimSiam's made dense: projector three 1×1 convs with BN+ReLU between (none after the last), predictor
// 1×1 conv–BN–ReLU–1×1 conv.

using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;

namespace AnomalyBench.Methods.Fyd;

/// <summary>z = projector(f) and p = predictor(z) for a feature map f [B, C, H, W].</summary>
public sealed class DenseProjector : Module<Tensor, (Tensor Projection, Tensor Prediction)>
{
    /// <param name="channels">channels of the aligned stage map.</param>
    /// <param name="projection">channels of the projector's layers.</param>
    /// <param name="bottleneck">hidden channels of the predictor.</param>
    public DenseProjector(long channels, long projection, long bottleneck)
    {
        Projector = new Sequential(
            ("conv1", torch.nn.Conv2d(channels, projection, 1)),
            ("bn1", torch.nn.BatchNorm2d(projection)),
            ("relu1", torch.nn.ReLU()),
            ("conv2", torch.nn.Conv2d(projection, projection, 1)),
            ("bn2", torch.nn.BatchNorm2d(projection)),
            ("relu2", torch.nn.ReLU()),
            ("conv3", torch.nn.Conv2d(projection, projection, 1)));
        Predictor = new Sequential(
            ("conv1", torch.nn.Conv2d(projection, bottleneck, 1)),
            ("bn1", torch.nn.BatchNorm2d(bottleneck)),
            ("relu1", torch.nn.ReLU()),
            ("conv2", torch.nn.Conv2d(bottleneck, projection, 1)));
        register_module("projector", Projector);
        register_module("predictor", Predictor);
    }

    public Sequential Projector { get; }

    public Sequential Predictor { get; }

    public override (Tensor Projection, Tensor Prediction) forward(Tensor input)
    {
        var z = Projector.call(input);
        return (z, Predictor.call(z));
    }
}
