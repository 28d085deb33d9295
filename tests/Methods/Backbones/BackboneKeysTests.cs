using System.Diagnostics;
using System.Text.Json;
using AnomalyBench.Methods.Backbones;
using AnomalyBench.Torch.Modules;
using NUnit.Framework;

namespace AnomalyBench.Tests.Methods.Backbones;

/// <summary>
/// The full-size networks have torchvision's state-dict keys and shapes (the *.keys.json lists written
/// from torchvision 0.14.1), so torchvision's published state dicts load with strict: true.
/// </summary>
public class BackboneKeysTests
{
    public static IEnumerable<string> Names => BackboneCatalog.All.Select(b => b.Name);

    private static List<KeyValuePair<string, long[]>> Reference(string name)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(BackboneFixtures.Path($"{name}.keys.json")));
        return [.. json.RootElement.EnumerateObject().Select(p => new KeyValuePair<string, long[]>(p.Name, [.. p.Value.EnumerateArray().Select(e => e.GetInt64())]))];
    }

    /// <summary>Keys and shapes of parameters and buffers, without copying them as state_dict() would (127M floats for WRN-101).</summary>
    private static Dictionary<string, long[]> Shapes(Module model)
    {
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var (key, p) in model.named_parameters()) shapes[key] = p.shape;
        foreach (var (key, b) in model.named_buffers()) shapes[key] = b.shape;
        return shapes;
    }

    [TestCaseSource(nameof(Names))]
    public void KeysAndShapesAreTorchvisions(string name)
    {
        var reference = Reference(name);
        var watch = Stopwatch.StartNew();
        // init_weights: false skips torchvision's kaiming pass; the layers' own initialisation still runs.
        using var model = BackboneCatalog.Get(name).Build(false);
        var built = watch.Elapsed;
        var shapes = Shapes(model);
        Assert.That(shapes.Keys, Is.EquivalentTo(reference.Select(r => r.Key)), "keys");
        foreach (var (key, shape) in reference) Assert.That(shapes[key], Is.EqualTo(shape), key);
        TestContext.Out.WriteLine($"{name}: {reference.Count} keys, built in {built.TotalSeconds:F2} s");
    }

    [TestCase("resnet18")]
    [TestCase("densenet201")]
    public void StateDictOrderIsTorchvisions(string name)
    {
        var reference = Reference(name);
        using var model = BackboneCatalog.Get(name).Build(false);
        using var state = model.state_dict();
        Assert.That(state.Keys, Is.EqualTo(reference.Select(r => r.Key)));
    }

    [Test]
    public void ParameterCountsAreThePublishedOnes()
    {
        // torchvision's Weights meta "num_params" of the two most used backbones.
        using (var wrn = ResNet.wide_resnet50_2(init_weights: false))
            Assert.That(wrn.parameters().Sum(p => p.numel()), Is.EqualTo(68_883_240));
        using (var r18 = ResNet.resnet18(init_weights: false))
            Assert.That(r18.parameters().Sum(p => p.numel()), Is.EqualTo(11_689_512));
    }
}
