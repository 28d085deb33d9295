using AnomalyBench.Harness;
using NUnit.Framework;

namespace AnomalyBench.Tests.Methods.Backbones;

/// <summary><c>harness weights</c> lists every known backbone with what the store has for it.</summary>
public class BackboneWeightsCommandTests
{
    [Test]
    public void ListsEveryBackboneWithItsState()
    {
        using var folder = new TempWeightsFolder();
        folder.Copy("basic_1111.pth", "resnet18.pth");
        var output = new StringWriter();
        var error = new StringWriter();
        var code = Cli.Invoke(["weights", "--folder", folder.Root], output, error);
        var text = output.ToString();
        Assert.That(code, Is.Zero, error.ToString());
        Assert.That(text, Does.Contain($"weights folder: {folder.Root} (--folder)"));
        foreach (var name in new[] { "resnet18", "resnet34", "resnet50", "wide_resnet50_2", "wide_resnet101_2", "resnext101_32x8d", "densenet201" })
            Assert.That(text, Does.Contain(name));
        var lines = text.Split('\n');
        Assert.That(lines.Single(l => l.StartsWith("resnet18 ", StringComparison.Ordinal)), Does.Contain("shape mismatch").And.Contain("resnet18.pth"));
        Assert.That(lines.Single(l => l.StartsWith("wide_resnet50_2 ", StringComparison.Ordinal)),
            Does.Contain("missing").And.Contain("https://download.pytorch.org/models/wide_resnet50_2-95faca4d.pth"));
    }
}
