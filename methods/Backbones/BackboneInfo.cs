namespace AnomalyBench.Methods.Backbones;

/// <summary>
/// A backbone the <see cref="WeightsStore"/> knows by name: how to build it and where its ImageNet
/// weights are published (torchvision's IMAGENET1K_V1 file, and timm's copy of the same weights).
/// </summary>
/// <param name="Name">torchvision's builder name (<c>wide_resnet50_2</c>), also the weights' file stem.</param>
/// <param name="Description">what it is, for listings.</param>
/// <param name="TorchvisionFile">torchvision's published file name, e.g. <c>wide_resnet50_2-95faca4d.pth</c> (the 8 hex digits begin its SHA-256).</param>
/// <param name="TimmRepository">the Hugging Face repository of timm's copy, e.g. <c>timm/wide_resnet50_2.tv_in1k</c>.</param>
/// <param name="Build">builds the network with a 1000-class classifier; the argument is init_weights.</param>
public sealed record BackboneInfo(string Name, string Description, string TorchvisionFile, string TimmRepository, Func<bool, Backbone> Build)
{
    /// <summary>torchvision's download address of <see cref="TorchvisionFile"/>.</summary>
    public string TorchvisionUrl => "https://download.pytorch.org/models/" + TorchvisionFile;

    /// <summary>The web page of timm's repository (its <c>model.safetensors</c> holds the same weights under the same keys).</summary>
    public string TimmUrl => "https://huggingface.co/" + TimmRepository;
}
