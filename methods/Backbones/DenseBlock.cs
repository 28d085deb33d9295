// A dense block: Huang et al., "Densely Connected Convolutional Networks", CVPR 2017, Sec. 3
// ("Dense connectivity": layer l receives the concatenation [x0, x1, ..., x(l-1)]); ported from
// torchvision models/densenet.py (_DenseBlock).

using System.Runtime.InteropServices;
using AnomalyBench.Torch;
using AnomalyBench.Torch.Modules;
using static AnomalyBench.Torch.torch;

namespace AnomalyBench.Methods.Backbones;

/// <summary>
/// torchvision's <c>_DenseBlock</c>: layers <c>denselayer1</c> ... <c>denselayerN</c>; the output is the
/// input concatenated with every layer's new features (num_input_features + N·growth_rate channels).
/// </summary>
public sealed class DenseBlock : Module<Tensor, Tensor>
{
    private readonly List<DenseLayer> _layers = [];

    public DenseBlock(int num_layers, long num_input_features, long bn_size, long growth_rate, double drop_rate)
    {
        for (var k = 0; k < num_layers; k++)
        {
            var layer = new DenseLayer(num_input_features + k * growth_rate, growth_rate, bn_size, drop_rate);
            _layers.Add(layer);
            register_module($"denselayer{k + 1}", layer);
        }
        out_channels = num_input_features + num_layers * growth_rate;
    }

    public IReadOnlyList<DenseLayer> layers => _layers;

    public long out_channels { get; }

    public override Tensor forward(Tensor init_features)
    {
        var features = new List<Tensor>(_layers.Count + 1) { init_features };
        try
        {
            foreach (var layer in _layers)
            {
                if (features.Count == 1)
                {
                    features.Add(layer.call(init_features));
                    continue;
                }
                using var concatenated = torch.cat(CollectionsMarshal.AsSpan(features), 1);
                features.Add(layer.call(concatenated));
            }
            return torch.cat(CollectionsMarshal.AsSpan(features), 1);
        }
        finally
        {
            // The block's input belongs to the caller; the new features are copied into the output.
            for (var k = 1; k < features.Count; k++) features[k].Dispose();
        }
    }
}
