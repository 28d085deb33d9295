// Which tensor a ResNet stage's feature map is. torchvision's blocks end with a ReLU, so a stage's output is
// non-negative. CFA's official backbone (sungwool/CFA_for_anomaly_localization cnn/resnet.py) moves that ReLU
// to the start of the next block (BasicBlock/Bottleneck.forward begin with F.relu(x) and return out + identity)
// and returns F.leaky_relu(x_i) (negative slope 0.01) of the stage outputs x_1..x_3 in ResNet._forward_impl:
// the same network, but its feature maps keep the negative residual sums, scaled by 0.01.

namespace AnomalyBench.Methods.Backbones;

/// <summary>What <see cref="Backbone.forward_stages(AnomalyBench.Torch.Tensor, IReadOnlyList{string}, FeatureActivation)"/> returns for each stage.</summary>
public enum FeatureActivation
{
    /// <summary>The stage's output as torchvision computes it: relu(residual sum) of its last block (every method but CFA).</summary>
    Relu,

    /// <summary>
    /// leaky_relu(residual sum of the stage's last block, 0.01), CFA's official features. The next stage still
    /// receives relu(residual sum), so the network itself is unchanged.
    /// </summary>
    LeakyRelu,
}
