// Real ImageNet features with nothing to download (issue 19): ML.NET's NuGet package
// Microsoft.ML.DnnImageFeaturizer.ResNet18 0.24.0 (MIT) ships an ImageNet-trained ResNet-18 exported by CNTK 2.6 to
// ONNX (opset 8), ResNet18Onnx/ResNet18.onnx, with its input step ResNetPrepOnnx/ResNetPreprocess.onnx. The build
// (methods/AnomalyBench.Methods.csproj) restores the package and copies both files next to the assemblies.
//
// What the files hold, read off the graphs (the reader checks each point):
// - input: RGB 0..255 → BGR → minus MeanImage [1,3,224,224]; no division by a standard deviation (CntkPreprocess);
// - He et al. 2016's ResNet of BasicBlocks with [2, 2, 2, 3] blocks: torchvision's resnet18 has [2, 2, 2, 2], so the
//   extra block is layer4.2. Layers 1-3, which the anomaly-detection methods tap, have torchvision's shapes;
// - convolutions without bias, BatchNorm ε 1e-5, projection shortcuts 1x1/2 conv + BN (option B), max-pool 3x3/2;
//   the export's fixed pads are "same" padding at 224 px, equal to torchvision's symmetric pads (OnnxResNetGraph);
// - no classifier: the output is the 7x7 average pool [1,512,1,1].
// These are not torchvision's IMAGENET1K_V1 weights (another framework, training recipe and input convention), so
// results on them differ from the papers' even where everything else is the same; every result records them.

using System.Security.Cryptography;
using AnomalyBench.Torch;
using Onnx;

namespace AnomalyBench.Methods.Backbones;

/// <summary>
/// The ImageNet ResNet-18 of ML.NET's DnnImageFeaturizer package as a <see cref="ResNet"/> with torchvision's module
/// names, a <see cref="CntkPreprocess"/> input step and no classifier. Selected by <c>weights: cntk</c>, and by
/// <c>weights: auto</c> for <c>resnet18</c> when the weights store has no torchvision file.
/// </summary>
public static class CntkResNet18
{
    /// <summary>The NuGet package that ships the network.</summary>
    public const string Package = "Microsoft.ML.DnnImageFeaturizer.ResNet18";

    /// <summary>The package version the build restores (methods/AnomalyBench.Methods.csproj) and the hashes below are of.</summary>
    public const string Version = "0.24.0";

    /// <summary>The backbone name these weights are for.</summary>
    public const string Backbone = "resnet18";

    /// <summary>The network, relative to the folder of the assemblies (as the package lays it out under tools/).</summary>
    public const string ModelFile = "DnnImageModels/ResNet18Onnx/ResNet18.onnx";

    /// <summary>The input step with the mean image, relative to the folder of the assemblies.</summary>
    public const string PreprocessFile = "DnnImageModels/ResNetPrepOnnx/ResNetPreprocess.onnx";

    /// <summary>SHA-256 of the package's ResNet18.onnx.</summary>
    public const string ModelSha256 = "e2552f19db2dfdb01b3669537b6a0f1b44da38d18279535492ed5dfc2ef1ff8f";

    /// <summary>SHA-256 of the package's ResNetPreprocess.onnx.</summary>
    public const string PreprocessSha256 = "84bf8def78d0befaa3f6e73745d57d7016c6a192ead76f79686bd438c1047004";

    /// <summary>One line for listings and result rows.</summary>
    public const string Description = "ImageNet, CNTK ResNet-18 from the ML.NET package " + Package + " " + Version;

    /// <summary>Blocks per stage of the packaged network (torchvision's resnet18: [2, 2, 2, 2]).</summary>
    public static IReadOnlyList<int> Layers { get; } = [2, 2, 2, 3];

    /// <summary>Where the build puts the files: the folder of the running assemblies.</summary>
    public static string DefaultFolder => AppContext.BaseDirectory;

    /// <summary>
    /// Builds the network from the files in <paramref name="folder"/> (default <see cref="DefaultFolder"/>), every
    /// tensor placed by the graph's structure and its shape checked against the network; records the provenance.
    /// </summary>
    /// <exception cref="WeightsNotFoundException">a file is missing.</exception>
    /// <exception cref="WeightsException">a file is altered, damaged or not the package's network.</exception>
    public static ResNet Create(string? folder = null)
    {
        folder = Path.GetFullPath(folder ?? DefaultFolder);
        var modelPath = Locate(folder, ModelFile);
        var preprocessPath = Locate(folder, PreprocessFile);
        // Each file is read once: hashed, then parsed from the same bytes.
        var preprocessBytes = ReadVerified(preprocessPath, PreprocessSha256);
        var modelBytes = ReadVerified(modelPath, ModelSha256);

        var meanImage = ReadMeanImage(Parse(preprocessBytes, preprocessPath), preprocessPath);
        ResNet? network = null;
        try
        {
            using var graph = OnnxResNetGraph.Read(Parse(modelBytes, modelPath).Graph, modelPath);
            var config = new ResNetConfig(ResNetBlock.BasicBlock, graph.Layers) { NumClasses = null };
            network = new ResNet(config, init_weights: false, preprocess: new CntkPreprocess(meanImage));
            meanImage = null;
            // The mean image is the network's own state; the graph supplies everything else.
            var state = graph.State.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            state["preprocess.mean_image"] = network.get_buffer("preprocess.mean_image");
            WeightsStore.Verify(network, state, Backbone, modelPath);
            network.load_state_dict(state, strict: true);
            network.provenance = WeightsProvenance.FromPackage(Backbone, modelPath, ModelSha256, $"{Package} {Version}");
            return network;
        }
        catch
        {
            meanImage?.Dispose();
            network?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// <see cref="Create"/> for a method's <paramref name="backbone"/>: the packaged network is a ResNet-18, so any other
    /// backbone is an <see cref="ArgumentException"/> that says so.
    /// </summary>
    public static ResNet CreateFor(string backbone)
    {
        WeightsSource.CheckCntkBackbone(backbone);
        return Create();
    }

    /// <summary>
    /// The SHA-256 of the network file in <paramref name="folder"/> when it is the package's, else the reason it is not
    /// (missing, altered); for <c>harness weights</c>, without building anything.
    /// </summary>
    public static WeightsStatus Check(string? folder = null)
    {
        folder = Path.GetFullPath(folder ?? DefaultFolder);
        try
        {
            var modelPath = Locate(folder, ModelFile);
            ReadVerified(Locate(folder, PreprocessFile), PreprocessSha256);
            ReadVerified(modelPath, ModelSha256);
            return new WeightsStatus(Backbone, WeightsState.Found, modelPath, $"{Description}; sha256 {ModelSha256}");
        }
        catch (WeightsNotFoundException e)
        {
            return new WeightsStatus(Backbone, WeightsState.Missing, null, e.Message);
        }
        catch (WeightsException e)
        {
            return new WeightsStatus(Backbone, WeightsState.Unreadable, Path.Combine(folder, ModelFile), e.Message);
        }
    }

    private static string Locate(string folder, string relative)
    {
        var path = Path.GetFullPath(Path.Combine(folder, relative));
        if (File.Exists(path)) return path;
        throw new WeightsNotFoundException(Backbone, folder, [relative],
            $"{path} is missing. It is the ImageNet ResNet-18 of the NuGet package {Package} {Version}, which the build restores and " +
            "copies next to the harness's assemblies: run `dotnet build` (or `dotnet restore` when the NuGet cache lost it) and try again. " +
            "`weights: random` runs without pretrained weights; a torchvision resnet18 file in the weights store is used instead when present.");
    }

    // The file's bytes when their SHA-256 is the package's.
    private static byte[] ReadVerified(string path, string expected)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WeightsException($"cannot read {path}: {e.Message}", e);
        }
        var actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (actual != expected)
            throw new WeightsException(
                $"{path} is not the file of the NuGet package {Package} {Version}: its SHA-256 is {actual}, the package's is {expected}. " +
                "The file was altered or damaged: delete it and run `dotnet build`, which copies it again from the NuGet cache " +
                $"(if the cache's copy is damaged too, delete ~/.nuget/packages/{Package.ToLowerInvariant()} and run `dotnet restore`).");
        return bytes;
    }

    private static ModelProto Parse(byte[] bytes, string path)
    {
        try
        {
            return ModelProto.Parser.ParseFrom(bytes);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            throw new WeightsException($"cannot read the ONNX model {path}: {e.Message}", e);
        }
    }

    // ResNetPreprocess.onnx: Split(RGB) → Concat(B, G, R) → Sub(MeanImage). The mean image's channels are therefore B, G, R.
    private static Tensor ReadMeanImage(ModelProto model, string path)
    {
        var graph = model.Graph;
        var nodes = graph.Node;
        if (nodes.Count != 3 || nodes[0].OpType != "Split" || nodes[1].OpType != "Concat" || nodes[2].OpType != "Sub"
            || nodes[1].Input.Count != 3 || nodes[1].Input[0] != nodes[0].Output[2] || nodes[1].Input[2] != nodes[0].Output[0]
            || nodes[2].Input[0] != nodes[1].Output[0])
            throw new WeightsException($"{path} is not the RGB → BGR − MeanImage step this harness reads; restore the package's file with `dotnet build`");
        var mean = graph.Initializer.FirstOrDefault(t => t.Name == nodes[2].Input[1])
            ?? throw new WeightsException($"{path}: the subtracted mean image {nodes[2].Input[1]} is not an initializer");
        return OnnxResNetGraph.ToTensor(mean, path);
    }
}
