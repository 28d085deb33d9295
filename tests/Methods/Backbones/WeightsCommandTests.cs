using AnomalyBench.Harness;
using AnomalyBench.Harness.Commands;
using AnomalyBench.Methods.Backbones;
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
        Assert.That(lines.Single(l => l.StartsWith("resnet18 ", StringComparison.Ordinal) && !l.StartsWith("resnet18 (cntk)", StringComparison.Ordinal)), Does.Contain("shape mismatch").And.Contain("resnet18.pth"));
        Assert.That(lines.Single(l => l.StartsWith("wide_resnet50_2 ", StringComparison.Ordinal)),
            Does.Contain("missing").And.Contain("https://download.pytorch.org/models/wide_resnet50_2-95faca4d.pth"));
        // The packaged network the build copies next to the assemblies, whatever the store holds.
        var packaged = lines.Single(l => l.StartsWith("resnet18 (cntk) ", StringComparison.Ordinal)).TrimEnd();
        Assert.That(packaged, Does.Match(@"^resnet18 \(cntk\) +found +ImageNet, CNTK ResNet-18 from the ML\.NET package Microsoft\.ML\.DnnImageFeaturizer\.ResNet18 0\.24\.0; "));
        Assert.That(packaged, Does.EndWith($"; sha256 {CntkResNet18.ModelSha256}; {Path.Combine(CntkResNet18.DefaultFolder, CntkResNet18.ModelFile)}"));
        Assert.That(packaged.IndexOf("found", StringComparison.Ordinal), Is.EqualTo(lines[1].IndexOf("state", StringComparison.Ordinal)), "in the table's columns");
    }

    [Test]
    public void APackagedNetworkThatCannotBeUsedIsListedWithTheReason()
    {
        using var folder = new TempWeightsFolder();
        var missing = WeightsCommand.PackagedLine(CntkResNet18.Check(folder.Root), 18);
        Assert.That(missing, Does.StartWith("resnet18 (cntk)   missing         ").And.Contain($"{Path.Combine(folder.Root, CntkResNet18.ModelFile)} is missing"));
        Assert.That(missing, Does.Not.Contain("sha256 " + CntkResNet18.ModelSha256));

        foreach (var relative in new[] { CntkResNet18.ModelFile, CntkResNet18.PreprocessFile })
        {
            var target = folder.File(relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllBytes(target, [1, 2, 3]);
        }
        var altered = WeightsCommand.PackagedLine(CntkResNet18.Check(folder.Root), 18);
        Assert.That(altered, Does.StartWith("resnet18 (cntk)   unreadable      ").And.Contain("is not the file of the NuGet package"));
    }
}
