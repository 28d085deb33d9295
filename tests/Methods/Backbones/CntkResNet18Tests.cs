using AnomalyBench.Datasets;
using AnomalyBench.Methods.Backbones;
using AnomalyBench.Torch;
using Microsoft.ML.OnnxRuntime;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;
using NUnit.Framework;
using Google.Protobuf;
using Onnx;
using static AnomalyBench.Torch.torchvision.io;

namespace AnomalyBench.Tests.Methods.Backbones;

/// <summary>
/// The packaged CNTK ResNet-18 (issue 19) against ONNX Runtime running the package's own graphs on real photographs:
/// the harness's network, fed the pipeline's torchvision-normalised images, must give the ONNX graph's intermediate
/// values (layer1-3, named in the graph) and its pooled output for the same pixels in CNTK's convention.
/// </summary>
public class CntkResNet18Tests
{
    /// <summary>
    /// ‖ours − ONNX Runtime‖₂ / ‖ONNX Runtime‖₂ per output and image. Two float32 implementations of the same
    /// convolutions differ in summation order; measured on these photographs: at most 1.6e-6 (layer1), 2.6e-6 (layer2),
    /// 2.0e-6 (layer3) and 1.2e-6 (pooled).
    /// </summary>
    private const double Tolerance = 1e-4;

    // The graph's values after each stage: the Relu after the last Add of layer1, 2, 3 (ResNet18.onnx's node names).
    private static readonly (string Stage, string Value)[] s_stages =
    [
        ("layer1", "ReLU283_Output_0"),
        ("layer2", "ReLU315_Output_0"),
        ("layer3", "ReLU347_Output_0"),
    ];

    private const string Pooled = "Pooling395_Output_0";

    private static string Photo(string split, string name) => Shared.Path("datasets", "hazelnut_toy", "hazelnut", split, name);

    private static readonly string[] s_photos =
    [
        Photo("train/good", "00.jpg"), Photo("test/good", "04.jpg"), Photo("test/colour", "03.jpg"), Photo("test/colour", "11.jpg"),
    ];

    [Test]
    public void TheNetworkComputesWhatOnnxRuntimeComputesOnRealPhotographs()
    {
        var live = BackboneFixtures.LiveTensors();
        var pipeline = new ImagePipeline(new Preprocessing(CntkPreprocess.ExportSize));
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var preprocess = new InferenceSession(Path.Combine(CntkResNet18.DefaultFolder, CntkResNet18.PreprocessFile), options);
        using var network = new InferenceSession(WithIntermediateOutputs(Path.Combine(CntkResNet18.DefaultFolder, CntkResNet18.ModelFile)), options);
        var worst = new Dictionary<string, double>();
        using (var ours = CntkResNet18.Create())
        {
            ours.eval();
            foreach (var photo in s_photos)
            {
                using var rgb = read_image(photo, ImageReadMode.RGB);
                using var pixels = pipeline.ResizeAndCrop(rgb);
                using var batch = pixels.unsqueeze(0);

                // ONNX Runtime: RGB 0..255 through ResNetPreprocess.onnx, then ResNet18.onnx.
                using var asFloat = batch.to(ScalarType.Float32);
                var input = new DenseTensor(asFloat.data<float>(), [1, 3, CntkPreprocess.ExportSize, CntkPreprocess.ExportSize]);
                using var prepared = preprocess.Run([NamedOnnxValue.CreateFromTensor("OriginalInput", input)]);
                var cntkInput = prepared.First().AsTensor<float>().ToDenseTensor();
                using var outputs = network.Run([NamedOnnxValue.CreateFromTensor("Input247", cntkInput)]);
                var reference = outputs.ToDictionary(o => o.Name, o => o.AsTensor<float>().ToDenseTensor());

                // Ours: the pipeline's normalised input, CntkPreprocess inside the network.
                using var normalised = pipeline.ToInput(batch, Device.CPU);
                using var noGrad = torch.no_grad();
                using var maps = ours.forward_stages(normalised, ["layer1", "layer2", "layer3", "layer4"]);
                foreach (var (stage, value) in s_stages) Record(worst, stage, maps[stage], reference[value]);
                using var pooled = torch.nn.functional.adaptive_avg_pool2d(maps["layer4"], 1);
                Record(worst, "pooled", pooled, reference[Pooled]);
            }
        }
        TestContext.Out.WriteLine(string.Join(", ", worst.Select(kv => $"{kv.Key} {kv.Value:E1}")));
        foreach (var (output, error) in worst) Assert.That(error, Is.LessThan(Tolerance), output);
        Assert.That(worst.Keys, Is.EquivalentTo(new[] { "layer1", "layer2", "layer3", "pooled" }));
        Assert.That(BackboneFixtures.LiveTensors(), Is.EqualTo(live), "tensors leaked");
    }

    private static void Record(Dictionary<string, double> worst, string output, Tensor ours, DenseTensor reference)
    {
        Assert.That(ours.shape, Is.EqualTo(reference.Dimensions.ToArray().Select(d => (long)d).ToArray()), output);
        using var expected = torch.from_array(reference.Buffer.ToArray(), ours.shape);
        var error = BackboneFixtures.RelativeError(ours, expected);
        worst[output] = Math.Max(worst.GetValueOrDefault(output), error);
    }

    // ONNX Runtime returns graph outputs only: declare the stage values (their shapes are in the graph's value_info) as outputs too.
    private static byte[] WithIntermediateOutputs(string path)
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        foreach (var (_, value) in s_stages)
            model.Graph.Output.Add(model.Graph.ValueInfo.Single(v => v.Name == value));
        return model.ToByteArray();
    }

    [Test]
    public void TheGraphIsMappedByItsStructureOntoTorchvisionKeys()
    {
        var path = Path.Combine(CntkResNet18.DefaultFolder, CntkResNet18.ModelFile);
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        using var graph = OnnxResNetGraph.Read(model.Graph, path);
        Assert.That(graph.Layers, Is.EqualTo(new[] { 2, 2, 2, 3 }));
        Assert.That(graph.PoolKernel, Is.EqualTo(7));
        Assert.That(graph.PooledOutput, Is.EqualTo(Pooled));
        foreach (var (stage, value) in s_stages) Assert.That(graph.StageOutputs[stage], Is.EqualTo(value), stage);
        // Every initializer of the graph has exactly one place in the network.
        Assert.That(graph.State.Count, Is.EqualTo(model.Graph.Initializer.Count));
        Assert.That(graph.State.Keys, Does.Contain("layer4.2.bn2.running_var").And.Contain("layer2.0.downsample.1.weight"));
        Assert.That(graph.State["layer3.0.downsample.0.weight"].shape, Is.EqualTo(new long[] { 256, 128, 1, 1 }));
    }

    [Test]
    public void AGraphThatIsNotABasicBlockResNetIsRefusedNamingTheNode()
    {
        var path = Path.Combine(CntkResNet18.DefaultFolder, CntkResNet18.ModelFile);
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        var conv = model.Graph.Node.Single(n => n.Name == "Convolution317");
        conv.Attribute.Single(a => a.Name == "strides").Ints[0] = 1;
        var e = Assert.Throws<WeightsException>(() => OnnxResNetGraph.Read(model.Graph, path).Dispose())!;
        Assert.That(e.Message, Does.Contain(path).And.Contain("Conv Convolution317").And.Contain("stride 2"));
    }

    [Test]
    public void TheNetworkIsATorchvisionResNetWithOneMoreBlockAndRecordsItsPackage()
    {
        using var network = CntkResNet18.Create();
        Assert.That(network.config.Layers, Is.EqualTo(CntkResNet18.Layers));
        Assert.That(network.has_classifier, Is.False);
        Assert.That(network.preprocess, Is.TypeOf<CntkPreprocess>());
        Assert.That(network.out_channels("layer3"), Is.EqualTo(256));
        var provenance = network.provenance!;
        Assert.That(provenance.IsCntk && !provenance.IsRandom);
        Assert.That(provenance.Sha256, Is.EqualTo(CntkResNet18.ModelSha256));
        Assert.That(provenance.ToString(),
            Is.EqualTo($"resnet18: CNTK ImageNet weights, ResNet18.onnx of Microsoft.ML.DnnImageFeaturizer.ResNet18 0.24.0 (sha256 {CntkResNet18.ModelSha256})"));
        Assert.That(provenance.Source, Is.EqualTo(WeightsSource.Cntk));
    }

    [Test]
    public void AMissingFileNamesThePathThePackageAndWhatToRun()
    {
        using var folder = new TempWeightsFolder();
        CopyPackageFile(folder, CntkResNet18.PreprocessFile);
        var e = Assert.Throws<WeightsNotFoundException>(() => CntkResNet18.Create(folder.Root))!;
        Assert.That(e.Message, Does.Contain(Path.Combine(folder.Root, CntkResNet18.ModelFile)));
        Assert.That(e.Message, Does.Contain("Microsoft.ML.DnnImageFeaturizer.ResNet18 0.24.0").And.Contain("dotnet build"));
        Assert.That(CntkResNet18.Check(folder.Root).State, Is.EqualTo(WeightsState.Missing));
    }

    [Test]
    public void AnAlteredFileIsRefusedBeforeAnythingIsBuilt()
    {
        using var folder = new TempWeightsFolder();
        CopyPackageFile(folder, CntkResNet18.PreprocessFile);
        var model = CopyPackageFile(folder, CntkResNet18.ModelFile);
        using (var stream = new FileStream(model, FileMode.Open, FileAccess.ReadWrite))
        {
            // One weight's low byte: the graph still parses, only the hash tells.
            stream.Seek(-5, SeekOrigin.End);
            var b = stream.ReadByte();
            stream.Seek(-1, SeekOrigin.Current);
            stream.WriteByte((byte)(b ^ 1));
        }
        var live = BackboneFixtures.LiveTensors();
        var e = Assert.Throws<WeightsException>(() => CntkResNet18.Create(folder.Root))!;
        Assert.That(e.Message, Does.Contain(model).And.Contain("SHA-256").And.Contain(CntkResNet18.ModelSha256).And.Contain("Microsoft.ML.DnnImageFeaturizer.ResNet18"));
        Assert.That(BackboneFixtures.LiveTensors(), Is.EqualTo(live));
        var status = CntkResNet18.Check(folder.Root);
        Assert.That(status.State, Is.EqualTo(WeightsState.Unreadable));
        Assert.That(status.Detail, Does.Contain("SHA-256"));
    }

    [Test]
    public void ThePreprocessUndoesTorchvisionsNormalisationAndSubtractsTheMeanImageAtAnySize()
    {
        using var network = CntkResNet18.Create();
        var preprocess = (CntkPreprocess)network.preprocess!;
        foreach (var size in new long[] { 224, 128 })
        {
            using var pixels = torch.randint(0, 256, [2, 3, size, size], ScalarType.Byte);
            using var normalised = new ImagePipeline(new Preprocessing((int)size)).ToInput(pixels, Device.CPU);
            using var cntk = preprocess.call(normalised);
            using var asFloat = pixels.to(ScalarType.Float32);
            using var bgr = asFloat.flip(1);
            using var mean = preprocess.mean_image_at(size, size);
            using var expected = bgr.sub(mean);
            Assert.That(BackboneFixtures.MaxAbsDiff(cntk, expected), Is.LessThan(1e-3), $"{size} px");
        }
        // The resampled mean image keeps its layout: B is about 116 at the top of the frame and 96 near the bottom.
        using var small = preprocess.mean_image_at(128, 128);
        var full = preprocess.mean_image;
        using var topSmall = small.select(2, 0).mean();
        using var topFull = full.select(2, 0).mean();
        Assert.That(topSmall.item<float>(), Is.EqualTo(topFull.item<float>()).Within(1.0));
    }

    [Test]
    public void AutoTakesTorchvisionsFileWhenTheStoreHasOneAndThePackagedNetworkOtherwise()
    {
        using var folder = new TempWeightsFolder();
        var store = new WeightsStore(folder.Root);
        Assert.That(WeightsSource.Resolve("auto", store, "resnet18", 3), Is.EqualTo(WeightsSource.Cntk));
        Assert.That(WeightsSource.Resolve("auto", store, "wide_resnet50_2", 3), Is.EqualTo(WeightsSource.Random(3)));
        Assert.That(WeightsSource.Resolve("cntk", store, "resnet18", 3), Is.EqualTo(WeightsSource.Cntk));
        File.WriteAllBytes(folder.File("resnet18-f37072fd.pth"), []);
        Assert.That(WeightsSource.Resolve("auto", store, "resnet18", 3), Is.EqualTo(WeightsSource.Pretrained));

        using var built = store.Create("resnet18", WeightsSource.Cntk);
        Assert.That(built.provenance!.IsCntk);
        Assert.That(() => store.Create("wide_resnet50_2", WeightsSource.Cntk),
            Throws.ArgumentException.With.Message.Contains("backbone 'wide_resnet50_2' cannot use it"));
        Assert.That(() => WeightsSource.Validate("cntk", ["resnet18", "densenet201"]),
            Throws.ArgumentException.With.Message.Contains("weights: cntk").And.Message.Contains("densenet201"));
        Assert.That(() => WeightsSource.Validate("imagenet21k", ["resnet18"]),
            Throws.ArgumentException.With.Message.Contains("weights must be one of auto, pretrained, imagenet, cntk, random"));
    }

    private static string CopyPackageFile(TempWeightsFolder folder, string relative)
    {
        var target = folder.File(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Copy(Path.Combine(CntkResNet18.DefaultFolder, relative), target);
        return target;
    }
}
