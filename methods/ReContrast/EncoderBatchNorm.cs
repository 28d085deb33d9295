// The BatchNorm mode of ReContrast's trainable encoder (guojiajeremy/ReContrast models/recontrast.py,
// ReContrast.train(mode, encoder_bn_train)); the per-category choice of the official scripts is in OfficialSettings.

namespace AnomalyBench.Methods.ReContrast;

/// <summary>Whether the trainable encoder's BatchNorm layers use batch statistics while training.</summary>
public enum EncoderBatchNorm
{
    /// <summary>As the official script of the category's data set (<see cref="OfficialSettings"/>).</summary>
    Official,

    /// <summary>Train mode: batch statistics, running statistics updated.</summary>
    Train,

    /// <summary>Eval mode: the pretrained running statistics; conv and BN-affine weights still train.</summary>
    Eval,
}
