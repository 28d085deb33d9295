// ReContrast's network: Guo et al., NeurIPS 2023, §3.2 (Fig. 2: a trainable encoder and its frozen copy, one shared
// bottleneck and decoder, two-view cross reconstruction). Official code: guojiajeremy/ReContrast models/recontrast.py
// (class ReContrast: forward and train(mode, encoder_bn_train)); shared/research/methods-2.md §1.1.

using AnomalyBench.Methods.Backbones;
using AnomalyBench.Methods.ReverseDistillation;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;

namespace AnomalyBench.Methods.ReContrast;

/// <summary>
/// encoder (trainable), encoder_freeze (frozen copy: eval, no gradient, in no optimiser), bottleneck (OCBE) and decoder
/// (de-ResNet with two sets of 1x1 heads). <see cref="forward"/>: e = encoder(x), z = encoder_freeze(x); the bottleneck
/// and decoder run ONCE on the concatenated 2B batch cat(e_l, z_l) (so their train-mode BN statistics mix both views);
/// head 0 on the trainable half and head 1 on the frozen half. Returns targets [z1, z2, z3, e1, e2, e3] and
/// predictions [head0(Dec(OCBE(e)))_{1,2,3}, head1(Dec(OCBE(z)))_{1,2,3}]: the decoder fed by the trainable encoder
/// reconstructs the frozen features and the one fed by the frozen encoder the trainable features.
/// </summary>
public sealed class ReContrastNetwork : Module<Tensor, (IReadOnlyList<Tensor> Targets, IReadOnlyList<Tensor> Predictions)>
{
    /// <param name="backbone">the encoders' name in the backbone catalog (picks the OCBE and decoder).</param>
    /// <param name="encoder">the trainable encoder (layer1–3); owned.</param>
    /// <param name="encoderFreeze">the frozen copy with the same initial weights; owned.</param>
    /// <param name="activation">the decoder's activation (GELU in the multi-class variant).</param>
    public ReContrastNetwork(string backbone, FeatureExtractor encoder, FeatureExtractor encoderFreeze, DecoderActivation activation = DecoderActivation.ReLU)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(encoderFreeze);
        if (!encoder.trainable) throw new ArgumentException("the encoder must be trainable (FeatureExtractor trainable: true)", nameof(encoder));
        if (encoderFreeze.trainable) throw new ArgumentException("encoder_freeze must be frozen", nameof(encoderFreeze));
        var architecture = ReverseDistillationArchitecture.For(backbone);
        this.encoder = encoder;
        encoder_freeze = encoderFreeze;
        bottleneck = new OneClassBottleneck(architecture);
        decoder = new ReverseDistillationDecoder(architecture, heads: 2, activation);
        register_module("encoder", encoder);
        register_module("encoder_freeze", encoderFreeze);
        register_module("bottleneck", bottleneck);
        register_module("decoder", decoder);
    }

    public FeatureExtractor encoder { get; }
    public FeatureExtractor encoder_freeze { get; }
    public OneClassBottleneck bottleneck { get; }
    public ReverseDistillationDecoder decoder { get; }

    /// <summary>Whether the trainable encoder's BN uses batch statistics in <see cref="train"/> mode.</summary>
    public bool encoder_bn_train { get; set; } = true;

    /// <summary>
    /// Official <c>ReContrast.train(mode, encoder_bn_train)</c>: the frozen encoder is always eval; bottleneck and decoder
    /// follow <paramref name="mode"/>; the trainable encoder is in train mode only when <see cref="encoder_bn_train"/> is set.
    /// </summary>
    public override void train(bool mode = true)
    {
        base.train(mode);
        encoder.train(mode && encoder_bn_train);
        encoder_freeze.train(false);
    }

    /// <summary>The parameters the decoder optimiser trains: decoder then bottleneck (official order).</summary>
    public IEnumerable<Tensor> reconstruction_parameters() => decoder.parameters().Concat(bottleneck.parameters());

    public override (IReadOnlyList<Tensor> Targets, IReadOnlyList<Tensor> Predictions) forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var e = encoder.call(x);
        var z = encoder_freeze.call(x);
        var batch = x.size(0);
        var both = Enumerable.Range(0, 3).Select(l => torch.cat([e[l], z[l]], 0)).ToList();
        var de = decoder.call(bottleneck.call(both));
        // de = [h0(f1), h0(f2), h0(f3), h1(f1), h1(f2), h1(f3)] on 2B; official chunk(2): head 0 keeps the first
        // (trainable) half, head 1 the second (frozen) half.
        var predictions = new List<Tensor>(6);
        for (var k = 0; k < 6; k++) predictions.Add(de[k].narrow(0, k < 3 ? 0 : batch, batch).MoveToOuterDisposeScope());
        List<Tensor> targets = [.. Enumerable.Range(0, 3).Select(l => z[l].alias().MoveToOuterDisposeScope()), .. Enumerable.Range(0, 3).Select(l => e[l].alias().MoveToOuterDisposeScope())];
        return (targets, predictions);
    }
}
