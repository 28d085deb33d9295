// Reads a ResNet of BasicBlocks out of an ONNX graph by its structure, so that a network exported by another framework
// (the CNTK 2.6 ResNet-18 of ML.NET's DnnImageFeaturizer package) loads into torchvision's ResNet under torchvision's
// state-dict keys. Initializer names of such exports (ParameterNN, ConstantNN) say nothing about their role, so every
// tensor is placed by where the graph uses it: the stem is the Conv/BatchNormalization/Relu/MaxPool chain on the graph
// input; each residual block is Conv-BN-Relu-Conv-BN on the main path and an Add with the block input or with its
// 1x1 Conv-BN projection (He et al. 2016, Fig. 2 and option B); a block with a projection starts a new stage.
// BatchNormalization's inputs 1-4 are scale, bias, running mean and running variance (ONNX operator specification).

using Onnx;
using AnomalyBench.Torch;

namespace AnomalyBench.Methods.Backbones;

/// <summary>
/// The weights of a BasicBlock ResNet read from an ONNX graph: torchvision-named tensors (<c>conv1.weight</c>,
/// <c>layer2.0.downsample.1.running_var</c>, ...) and the blocks per stage. The caller disposes <see cref="State"/>.
/// </summary>
internal sealed class OnnxResNetGraph : IDisposable
{
    private readonly Dictionary<string, TensorProto> _initializers;
    private readonly Dictionary<string, List<NodeProto>> _consumers = new(StringComparer.Ordinal);
    private readonly string _path;

    private OnnxResNetGraph(GraphProto graph, string path)
    {
        _path = path;
        _initializers = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            foreach (var input in node.Input)
            {
                if (!_consumers.TryGetValue(input, out var list)) _consumers[input] = list = [];
                list.Add(node);
            }
        }
    }

    /// <summary>The tensors under torchvision's <c>ResNet</c> keys (no <c>num_batches_tracked</c>, no classifier).</summary>
    public StateDict State { get; } = new();

    /// <summary>Blocks per stage, e.g. [2, 2, 2, 3].</summary>
    public List<int> Layers { get; } = [];

    /// <summary>Side of the global average pool at the end of the graph (7 for a 224-px export).</summary>
    public long PoolKernel { get; private set; }

    /// <summary>Names of the graph's values after the stem and after each stage (<c>stem</c>, <c>layer1</c>, ...), for inspection.</summary>
    public Dictionary<string, string> StageOutputs { get; } = new(StringComparer.Ordinal);

    /// <summary>Name of the graph's pooled output.</summary>
    public string PooledOutput { get; private set; } = "";

    /// <summary>
    /// Maps <paramref name="graph"/> (read from <paramref name="path"/>, named in errors). Throws <see cref="WeightsException"/>
    /// naming the node where the graph stops being a BasicBlock ResNet.
    /// </summary>
    public static OnnxResNetGraph Read(GraphProto graph, string path)
    {
        var reader = new OnnxResNetGraph(graph, path);
        try
        {
            var inputs = graph.Input.Select(i => i.Name).Where(n => !reader._initializers.ContainsKey(n)).ToList();
            if (inputs.Count != 1) throw reader.Error($"expected one image input, found {inputs.Count} ({string.Join(", ", inputs)})");
            reader.ReadNetwork(inputs[0]);
            return reader;
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    public void Dispose() => State.Dispose();

    private void ReadNetwork(string input)
    {
        // Stem: conv1 7x7/2, bn1, relu, maxpool 3x3/2.
        var conv = Single(input, "Conv");
        AddConv(conv, "conv1", kernel: 7, stride: 2);
        var bn = Single(conv.Output[0], "BatchNormalization");
        AddBatchNorm(bn, "bn1");
        var relu = Single(bn.Output[0], "Relu");
        var pool = Single(relu.Output[0], "MaxPool");
        CheckWindow(pool, kernel: 3, stride: 2);
        var x = pool.Output[0];
        StageOutputs["stem"] = x;

        var stage = 1;
        var block = 0;
        while (true)
        {
            var consumers = Consumers(x);
            if (consumers.Count == 1 && consumers[0].OpType == "AveragePool")
            {
                var average = consumers[0];
                var kernel = Ints(average, "kernel_shape");
                if (kernel.Length != 2 || kernel[0] != kernel[1]) throw Error($"{Describe(average)}: expected a square global pool, got kernel {Show(kernel)}");
                PoolKernel = kernel[0];
                PooledOutput = average.Output[0];
                break;
            }
            // Two consumers: the main 3x3 Conv and either the block's Add (identity shortcut) or a 1x1 projection Conv.
            var projection = consumers.FirstOrDefault(n => n.OpType == "Conv" && Ints(n, "kernel_shape") is [1, 1]);
            var main = consumers.Where(n => n.OpType == "Conv" && Ints(n, "kernel_shape") is [3, 3]).ToList();
            var add = consumers.FirstOrDefault(n => n.OpType == "Add");
            if (main.Count != 1 || consumers.Count != 2 || (projection is null) == (add is null))
                throw Error($"after {x}: expected a residual block (a 3x3 Conv and either an Add or a 1x1 projection Conv), found {string.Join(", ", consumers.Select(Describe))}");
            if (projection is not null && Layers.Count > 0)
            {
                StageOutputs[$"layer{stage}"] = x;
                stage++;
                block = 0;
            }
            if (Layers.Count < stage) Layers.Add(0);
            x = ReadBlock(main[0], projection, x, $"layer{stage}.{block}");
            Layers[stage - 1]++;
            block++;
        }
        StageOutputs[$"layer{stage}"] = x;
    }

    // relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), the shortcut being x or downsample(x) = bn(conv1x1(x)).
    private string ReadBlock(NodeProto conv1, NodeProto? projection, string x, string prefix)
    {
        var stride = projection is null ? 1 : Ints(projection, "strides")[0];
        AddConv(conv1, prefix + ".conv1", kernel: 3, stride: stride);
        var bn1 = Single(conv1.Output[0], "BatchNormalization");
        AddBatchNorm(bn1, prefix + ".bn1");
        var relu = Single(bn1.Output[0], "Relu");
        var conv2 = Single(relu.Output[0], "Conv");
        AddConv(conv2, prefix + ".conv2", kernel: 3, stride: 1);
        var bn2 = Single(conv2.Output[0], "BatchNormalization");
        AddBatchNorm(bn2, prefix + ".bn2");
        var add = Single(bn2.Output[0], "Add");
        string shortcut;
        if (projection is null)
        {
            shortcut = x;
        }
        else
        {
            AddConv(projection, prefix + ".downsample.0", kernel: 1, stride: stride);
            var bn = Single(projection.Output[0], "BatchNormalization");
            AddBatchNorm(bn, prefix + ".downsample.1");
            shortcut = bn.Output[0];
        }
        if (add.Input.Count != 2 || !add.Input.Contains(bn2.Output[0]) || !add.Input.Contains(shortcut))
            throw Error($"{Describe(add)}: expected the sum of {bn2.Output[0]} and the shortcut {shortcut}, got [{string.Join(", ", add.Input)}]");
        return Single(add.Output[0], "Relu").Output[0];
    }

    private void AddConv(NodeProto conv, string key, long kernel, long stride)
    {
        if (conv.Input.Count != 2) throw Error($"{Describe(conv)}: expected a convolution without bias (input and weight), got {conv.Input.Count} inputs");
        if (Attribute(conv, "group") is { } group && group.I != 1) throw Error($"{Describe(conv)}: grouped convolution (group {group.I}) is not a ResNet BasicBlock");
        if (Attribute(conv, "dilations") is { } dilations && dilations.Ints.Any(d => d != 1)) throw Error($"{Describe(conv)}: dilated convolution");
        CheckWindow(conv, kernel, stride);
        State.Add(key + ".weight", Tensor(conv.Input[1], conv));
    }

    /// <summary>
    /// Kernel, stride and padding of a Conv or MaxPool. The export fixes the pads for its input size; they must be
    /// those of "same" padding, (k − 1) / 2 before and the same or, for a stride-2 window on an even side, one less
    /// after (CNTK's [3,3,2,2] for conv1): both give torchvision's symmetric padding's outputs on even sides, since the
    /// last window never reaches the extra pad (and on odd sides "same" padding is symmetric again).
    /// </summary>
    private void CheckWindow(NodeProto node, long kernel, long stride)
    {
        var shape = Ints(node, "kernel_shape");
        var strides = Ints(node, "strides");
        if (shape is not [var kh, var kw] || kh != kernel || kw != kernel) throw Error($"{Describe(node)}: expected a {kernel}x{kernel} window, got {Show(shape)}");
        if (strides is not [var sh, var sw] || sh != stride || sw != stride) throw Error($"{Describe(node)}: expected stride {stride}, got {Show(strides)}");
        if (Attribute(node, "auto_pad") is { } auto && auto.S.ToStringUtf8() is not ("" or "NOTSET"))
            throw Error($"{Describe(node)}: auto_pad {auto.S.ToStringUtf8()} is not supported; expected explicit pads");
        var pads = Attribute(node, "pads")?.Ints.ToArray() ?? [0, 0, 0, 0];
        var before = (kernel - 1) / 2;
        var afterOk = (long after) => after == before || (stride == 2 && after == before - 1);
        if (pads.Length != 4 || pads[0] != before || pads[1] != before || !afterOk(pads[2]) || !afterOk(pads[3]))
            throw Error($"{Describe(node)}: pads {Show(pads)} are not \"same\" padding for a {kernel}x{kernel}/{stride} window");
    }

    private void AddBatchNorm(NodeProto bn, string key)
    {
        if (bn.Input.Count != 5) throw Error($"{Describe(bn)}: expected input, scale, bias, mean and variance, got {bn.Input.Count} inputs");
        if (Attribute(bn, "spatial") is { } spatial && spatial.I != 1) throw Error($"{Describe(bn)}: per-activation BatchNormalization (spatial 0) is not BatchNorm2d");
        // torchvision's BatchNorm2d uses 1e-5; the export writes float32, so allow its rounding.
        var epsilon = Attribute(bn, "epsilon")?.F ?? 1e-5f;
        if (Math.Abs(epsilon - 1e-5) > 1e-9) throw Error($"{Describe(bn)}: epsilon {epsilon} is not BatchNorm2d's 1e-5");
        string[] names = ["weight", "bias", "running_mean", "running_var"];
        for (var k = 0; k < names.Length; k++) State.Add($"{key}.{names[k]}", Tensor(bn.Input[k + 1], bn));
    }

    private Tensor Tensor(string name, NodeProto node)
    {
        if (!_initializers.TryGetValue(name, out var proto)) throw Error($"{Describe(node)}: its input {name} is not an initializer (a constant weight)");
        return ToTensor(proto, _path);
    }

    /// <summary>A float32 initializer as a CPU tensor of its shape (<c>float_data</c> or little-endian <c>raw_data</c>).</summary>
    internal static Tensor ToTensor(TensorProto proto, string path)
    {
        if (proto.DataType != (int)TensorProto.Types.DataType.Float)
            throw new WeightsException($"{path}: initializer {proto.Name} has ONNX data type {proto.DataType}, expected float32 (1)");
        var shape = proto.Dims.ToArray();
        var count = shape.Aggregate(1L, (a, b) => a * b);
        if (proto.RawData.Length > 0)
        {
            if (proto.RawData.Length != count * sizeof(float))
                throw new WeightsException($"{path}: initializer {proto.Name} holds {proto.RawData.Length} bytes for shape {Show(shape)}; the file is damaged");
            return torch.from_bytes(proto.RawData.Span, ScalarType.Float32, shape);
        }
        if (proto.FloatData.Count != count)
            throw new WeightsException($"{path}: initializer {proto.Name} holds {proto.FloatData.Count} values for shape {Show(shape)}; the file is damaged");
        return torch.from_array(proto.FloatData.ToArray(), shape);
    }

    private NodeProto Single(string value, string opType)
    {
        var consumers = Consumers(value);
        if (consumers.Count != 1 || consumers[0].OpType != opType)
            throw Error($"after {value}: expected one {opType}, found {(consumers.Count == 0 ? "nothing" : string.Join(", ", consumers.Select(Describe)))}");
        return consumers[0];
    }

    private List<NodeProto> Consumers(string value) => _consumers.TryGetValue(value, out var list) ? list : [];

    private static AttributeProto? Attribute(NodeProto node, string name) => node.Attribute.FirstOrDefault(a => a.Name == name);

    private static long[] Ints(NodeProto node, string name) => Attribute(node, name)?.Ints.ToArray() ?? [];

    private static string Describe(NodeProto node) => $"{node.OpType} {node.Name}";

    private static string Show(long[] values) => $"[{string.Join(", ", values)}]";

    private WeightsException Error(string what) =>
        new($"{_path} is not the BasicBlock ResNet this reader maps: {what}. The file is damaged or another network; restore it with `dotnet restore` and a rebuild.");
}
