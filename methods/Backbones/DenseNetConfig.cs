namespace AnomalyBench.Methods.Backbones;

/// <summary>
/// A <see cref="DenseNet"/>'s architecture, with torchvision's <c>DenseNet.__init__</c> arguments and
/// defaults (DenseNet-121); DenseNet-201 is growth 32, blocks (6, 12, 48, 32), 64 initial features.
/// </summary>
public sealed record DenseNetConfig
{
    /// <summary>Channels each dense layer adds (k in the paper).</summary>
    public int GrowthRate { get; init; } = 32;

    /// <summary>Dense layers per block.</summary>
    public IReadOnlyList<int> BlockConfig { get; init; } = [6, 12, 24, 16];

    /// <summary>Channels of the stem convolution.</summary>
    public int NumInitFeatures { get; init; } = 64;

    /// <summary>Bottleneck width factor: each layer's 1x1 convolution outputs BnSize·GrowthRate channels.</summary>
    public int BnSize { get; init; } = 4;

    /// <summary>Dropout after each dense layer, in training only.</summary>
    public double DropRate { get; init; }

    /// <summary>Classifier outputs; null builds no classifier.</summary>
    public int? NumClasses { get; init; } = 1000;

    /// <summary>Throws with the reason when the configuration cannot be built.</summary>
    public void Validate()
    {
        if (BlockConfig is null || BlockConfig.Count < 1 || BlockConfig.Any(n => n < 1))
            throw new ArgumentException("DenseNet needs at least one block, each of at least one layer", nameof(BlockConfig));
        if (GrowthRate < 1 || NumInitFeatures < 1 || BnSize < 1)
            throw new ArgumentException($"growth_rate ({GrowthRate}), num_init_features ({NumInitFeatures}) and bn_size ({BnSize}) must be positive");
        if (DropRate is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(DropRate), DropRate, "drop_rate must be in [0, 1)");
        if (NumClasses is < 1) throw new ArgumentOutOfRangeException(nameof(NumClasses), NumClasses, "NumClasses must be positive or null");
    }
}
