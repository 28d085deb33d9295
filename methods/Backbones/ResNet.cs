// ResNet (He, Zhang, Ren and Sun, "Deep Residual Learning for Image Recognition", CVPR 2016) and
// its wide (Zagoruyko and Komodakis, "Wide Residual Networks", BMVC 2016) and grouped (Xie et al.,
// "Aggregated Residual Transformations for Deep Neural Networks", CVPR 2017) variants, ported from
// torchvision models/resnet.py (class ResNet, _make_layer, resnet18 ... wide_resnet101_2) so that
// torchvision's state dicts load unchanged: same module names, same registration order, same
// shapes, same initialisation. replace_stride_with_dilation and norm_layer are not ported (no
// method of the harness uses them).

using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using static AnomalyBench.Torch.torch;

namespace AnomalyBench.Methods.Backbones;

/// <summary>
/// torchvision's <c>ResNet</c>: stem (conv1 7x7/2, bn1, relu, maxpool 3x3/2), stages layer1..layer4 of
/// <see cref="BasicBlock"/>s or <see cref="Bottleneck"/>s, then avgpool and fc. Stages for
/// <see cref="Backbone.forward_stages"/>: <c>stem</c> (after maxpool, stride 4), <c>layer1</c> (4),
/// <c>layer2</c> (8), <c>layer3</c> (16), <c>layer4</c> (32).
/// </summary>
public sealed class ResNet : Backbone
{
    private static readonly string[] s_stages = ["stem", "layer1", "layer2", "layer3", "layer4"];

    private readonly List<Sequential> _layers = [];
    private Linear? _fc;

    /// <param name="config">the architecture.</param>
    /// <param name="init_weights">
    /// apply torchvision's initialisation (kaiming_normal_ fan_out on convolutions, BatchNorm weight 1 and
    /// bias 0, optional zero_init_residual). False keeps the layers' own default initialisation and saves
    /// a pass over every weight when a checkpoint will overwrite them anyway.
    /// </param>
    /// <param name="preprocess">
    /// a fixed input step before conv1, for weights trained on another input convention than torchvision's
    /// normalisation (<see cref="CntkPreprocess"/>); registered as <c>preprocess</c>. Null for torchvision's weights.
    /// </param>
    public ResNet(ResNetConfig config, bool init_weights = true, Module<Tensor, Tensor>? preprocess = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        this.config = config;
        this.preprocess = preprocess;
        if (preprocess is not null) register_module("preprocess", preprocess);
        conv1 = nn.Conv2d(3, 64, 7, stride: 2, padding: 3, bias: false);
        bn1 = nn.BatchNorm2d(64);
        register_module("conv1", conv1);
        register_module("bn1", bn1);

        long inplanes = 64;
        for (var k = 0; k < config.Layers.Count; k++)
        {
            var planes = 64L << k;
            var layer = make_layer(ref inplanes, planes, config.Layers[k], stride: k == 0 ? 1 : 2);
            _layers.Add(layer);
            register_module($"layer{k + 1}", layer);
        }
        if (config.NumClasses is { } classes)
        {
            _fc = nn.Linear(512L * config.Expansion, classes);
            register_module("fc", _fc);
        }
        if (init_weights) reset_parameters();
    }

    public ResNetConfig config { get; }

    /// <summary>The input step before conv1, or null (torchvision's weights take the pipeline's normalisation as it is).</summary>
    public Module<Tensor, Tensor>? preprocess { get; }

    public Conv2d conv1 { get; }
    public BatchNorm2d bn1 { get; }

    /// <summary>Stage <c>layer{k+1}</c>, or null after truncation.</summary>
    public Sequential? layer(int k) => k < _layers.Count ? _layers[k] : null;

    public Linear? fc => _fc;

    public override bool has_classifier => _fc is not null;

    public override IReadOnlyList<string> stage_names => s_stages[..(_layers.Count + 1)];

    public override long out_channels(string stage)
    {
        var index = StageIndices([stage])[0];
        return index == 0 ? 64 : (64L << (index - 1)) * config.Expansion;
    }

    public override int reduction(string stage)
    {
        var index = StageIndices([stage])[0];
        return index == 0 ? 4 : 4 << (index - 1);
    }

    /// <summary>torchvision's initialisation of <c>ResNet.__init__</c>; the classifier keeps nn.Linear's default.</summary>
    public void reset_parameters()
    {
        init_conv_and_batchnorm(this);
        if (!config.ZeroInitResidual) return;
        // Zero the last BatchNorm of each residual branch so that every block starts as the identity
        // (torchvision cites Goyal et al. 2017, https://arxiv.org/abs/1706.02677: +0.2-0.3% top-1).
        foreach (var m in modules())
        {
            if (m is Bottleneck bottleneck) nn.init.constant_(bottleneck.bn3.weight!, 0);
            else if (m is BasicBlock basic) nn.init.constant_(basic.bn2.weight!, 0);
        }
    }

    /// <summary>
    /// torchvision's loop over <c>self.modules()</c>: kaiming_normal_(fan_out, relu) on every <see cref="Conv2d"/> weight
    /// (not on ConvTranspose2d, which is no nn.Conv2d), BatchNorm weight 1 and bias 0. RD4AD's and ReContrast's OCBE and
    /// decoder copy it.
    /// </summary>
    internal static void init_conv_and_batchnorm(Module module)
    {
        foreach (var m in module.modules())
        {
            switch (m)
            {
                case Conv2d c:
                    nn.init.kaiming_normal_(c.weight, mode: "fan_out", nonlinearity: "relu");
                    break;
                case BatchNorm2d b:
                    nn.init.constant_(b.weight!, 1);
                    nn.init.constant_(b.bias!, 0);
                    break;
            }
        }
    }

    // torchvision's _make_layer: the first block changes resolution and width (with a projection
    // shortcut when either changes), the others keep them.
    private Sequential make_layer(ref long inplanes, long planes, int blocks, long stride)
    {
        var expansion = config.Expansion;
        Sequential? downsample = null;
        if (stride != 1 || inplanes != planes * expansion)
            downsample = nn.Sequential(conv1x1(inplanes, planes * expansion, stride), nn.BatchNorm2d(planes * expansion));
        var layer = nn.Sequential();
        layer.append(Block(inplanes, planes, stride, downsample));
        inplanes = planes * expansion;
        for (var k = 1; k < blocks; k++) layer.append(Block(inplanes, planes, 1, null));
        return layer;
    }

    private Module<Tensor, Tensor> Block(long inplanes, long planes, long stride, Sequential? downsample) =>
        config.Block == ResNetBlock.Bottleneck
            ? new Bottleneck(inplanes, planes, stride, downsample, config.Groups, config.WidthPerGroup)
            : new BasicBlock(inplanes, planes, stride, downsample);

    /// <summary>3x3 convolution with padding 1, no bias (torchvision's <c>conv3x3</c>).</summary>
    internal static Conv2d conv3x3(long in_planes, long out_planes, long stride = 1, long groups = 1) =>
        nn.Conv2d(in_planes, out_planes, 3, stride: stride, padding: 1, groups: groups, bias: false);

    /// <summary>1x1 convolution, no bias (torchvision's <c>conv1x1</c>).</summary>
    internal static Conv2d conv1x1(long in_planes, long out_planes, long stride = 1) =>
        nn.Conv2d(in_planes, out_planes, 1, stride: stride, bias: false);

    /// <summary>(preprocess,) conv1, bn1, relu, maxpool: [N,3,H,W] → [N,64,H/4,W/4].</summary>
    public Tensor forward_stem(Tensor x)
    {
        using var input = preprocess?.call(x);
        using var h = Consume(conv1.call(input ?? x), bn1).relu_();
        return nn.functional.max_pool2d(h, 3, 2, 1);
    }

    /// <summary>Classifier logits [N, num_classes] (torchvision's <c>_forward_impl</c>).</summary>
    public override Tensor forward(Tensor x)
    {
        if (_fc is null || _layers.Count != 4)
            throw new InvalidOperationException("this ResNet has no classifier (built without NumClasses, or truncated for feature extraction); use forward_stages");
        var h = forward_stem(x);
        foreach (var layer in _layers) h = Consume(h, layer);
        Tensor pooled;
        using (h) pooled = nn.functional.adaptive_avg_pool2d(h, 1);
        using (pooled)
        using (var flat = pooled.flatten(1))
            return _fc.call(flat);
    }

    public override FeatureMaps forward_stages(Tensor input, IReadOnlyList<string> stages) =>
        forward_stages(input, stages, FeatureActivation.Relu);

    /// <summary>
    /// With <see cref="FeatureActivation.LeakyRelu"/>, a requested stage layer1..layer4 is returned as
    /// leaky_relu(pre, 0.01) of its last block's residual sum <c>pre</c> (CFA's cnn/resnet.py), while the next stage
    /// runs on relu(pre), torchvision's stage output, exactly as the official blocks do with their leading F.relu.
    /// The stem ends in a max-pool of ReLU'd values, so its map is the same under both activations.
    /// </summary>
    public override FeatureMaps forward_stages(Tensor input, IReadOnlyList<string> stages, FeatureActivation activation)
    {
        if (!Enum.IsDefined(activation)) throw new ArgumentOutOfRangeException(nameof(activation), activation, "unknown feature activation");
        var indices = StageIndices(stages);
        var deepest = indices.Max();
        var outputs = new Tensor?[deepest + 1];
        Tensor? h = null;
        try
        {
            for (var k = 0; k <= deepest; k++)
            {
                var requested = Array.IndexOf(indices, k) >= 0;
                Tensor next;
                if (k > 0 && requested && activation == FeatureActivation.LeakyRelu)
                {
                    using var pre = forward_pre_activation(_layers[k - 1], h!);
                    outputs[k] = nn.functional.leaky_relu(pre, 0.01);
                    next = pre.relu();
                }
                else
                {
                    next = k == 0 ? forward_stem(input) : _layers[k - 1].call(h!);
                    if (requested) outputs[k] = next;
                }
                // An activation that is not returned is freed as soon as the next stage has read it.
                if (h is not null && !ReferenceEquals(h, outputs[k - 1])) h.Dispose();
                h = next;
            }
            // The deepest stage's input to a next stage (relu(pre) under LeakyRelu) is not returned.
            if (!ReferenceEquals(h, outputs[deepest])) h!.Dispose();
            var maps = new FeatureMaps();
            for (var k = 0; k < indices.Length; k++) maps.Add(stages[k], outputs[indices[k]]!);
            return maps;
        }
        catch
        {
            h?.Dispose();
            foreach (var t in outputs) t?.Dispose();
            throw;
        }
    }

    /// <summary>A stage's blocks, the last one's residual sum returned before its ReLU (each intermediate disposed as read).</summary>
    private static Tensor forward_pre_activation(Sequential stage, Tensor x)
    {
        var count = stage.Count;
        var h = x;
        for (var b = 0; b < count - 1; b++)
        {
            var y = stage[b].call(h);
            if (!ReferenceEquals(h, x)) h.Dispose();
            h = y;
        }
        var last = stage[count - 1] as IResidualBlock
            ?? throw new InvalidOperationException($"{stage[count - 1].GetType().Name} is not a residual block: it has no pre-activation output");
        try
        {
            return last.forward_pre_activation(h);
        }
        finally
        {
            if (!ReferenceEquals(h, x)) h.Dispose();
        }
    }

    public override void truncate_after(string stage)
    {
        var index = StageIndices([stage])[0];
        while (_layers.Count > index)
        {
            register_module($"layer{_layers.Count}", null);
            _layers.RemoveAt(_layers.Count - 1);
        }
        if (_fc is not null)
        {
            register_module("fc", null);
            _fc = null;
        }
    }

    // Builders named and configured as torchvision's ---------------------------------------------

    /// <summary>ResNet-18: BasicBlock [2, 2, 2, 2].</summary>
    public static ResNet resnet18(int? num_classes = 1000, bool init_weights = true) =>
        new(new ResNetConfig(ResNetBlock.BasicBlock, [2, 2, 2, 2]) { NumClasses = num_classes }, init_weights);

    /// <summary>ResNet-34: BasicBlock [3, 4, 6, 3].</summary>
    public static ResNet resnet34(int? num_classes = 1000, bool init_weights = true) =>
        new(new ResNetConfig(ResNetBlock.BasicBlock, [3, 4, 6, 3]) { NumClasses = num_classes }, init_weights);

    /// <summary>ResNet-50: Bottleneck [3, 4, 6, 3].</summary>
    public static ResNet resnet50(int? num_classes = 1000, bool init_weights = true) =>
        new(new ResNetConfig(ResNetBlock.Bottleneck, [3, 4, 6, 3]) { NumClasses = num_classes }, init_weights);

    /// <summary>Wide-ResNet-50-2: ResNet-50 with the bottleneck's inner width doubled (width_per_group 128).</summary>
    public static ResNet wide_resnet50_2(int? num_classes = 1000, bool init_weights = true) =>
        new(new ResNetConfig(ResNetBlock.Bottleneck, [3, 4, 6, 3]) { NumClasses = num_classes, WidthPerGroup = 128 }, init_weights);

    /// <summary>Wide-ResNet-101-2: Bottleneck [3, 4, 23, 3], width_per_group 128 (~127M parameters).</summary>
    public static ResNet wide_resnet101_2(int? num_classes = 1000, bool init_weights = true) =>
        new(new ResNetConfig(ResNetBlock.Bottleneck, [3, 4, 23, 3]) { NumClasses = num_classes, WidthPerGroup = 128 }, init_weights);

    /// <summary>ResNeXt-101 32x8d: Bottleneck [3, 4, 23, 3], 32 groups of width 8.</summary>
    public static ResNet resnext101_32x8d(int? num_classes = 1000, bool init_weights = true) =>
        new(new ResNetConfig(ResNetBlock.Bottleneck, [3, 4, 23, 3]) { NumClasses = num_classes, Groups = 32, WidthPerGroup = 8 }, init_weights);
}
