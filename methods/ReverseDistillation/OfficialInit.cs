// The initialisation loop of hq-deng/RD4AD resnet.py (BN_layer.__init__) and de_resnet.py (ResNet.__init__),
// copied unchanged by guojiajeremy/ReContrast: `for m in self.modules(): if isinstance(m, nn.Conv2d):
// kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu') elif BatchNorm2d: weight 1, bias 0`.

using AnomalyBench.Methods.Backbones;
using AnomalyBench.Torch.Modules;

namespace AnomalyBench.Methods.ReverseDistillation;

internal static class OfficialInit
{
    /// <summary>
    /// Kaiming-normal (fan_out, relu) on every <see cref="Conv2d"/> weight, BatchNorm weight 1 and bias 0.
    /// <see cref="ConvTranspose2d"/> is not an nn.Conv2d in PyTorch, so the upsampling convolutions keep their
    /// default init (kaiming_uniform a = √5), and conv biases (ReContrast's heads) keep theirs too.
    /// </summary>
    public static void Apply(Module module) => ResNet.init_conv_and_batchnorm(module);
}
