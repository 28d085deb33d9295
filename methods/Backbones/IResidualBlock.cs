using AnomalyBench.Torch;

namespace AnomalyBench.Methods.Backbones;

/// <summary>A ResNet block whose output before its final ReLU can be read (for <see cref="FeatureActivation.LeakyRelu"/> taps).</summary>
public interface IResidualBlock
{
    /// <summary>
    /// The residual sum branch(x) + shortcut(x), before the block's final ReLU: torchvision's block output is
    /// relu of this; CFA's official block (cnn/resnet.py) returns exactly this. The caller owns the result.
    /// </summary>
    Tensor forward_pre_activation(Tensor x);
}
