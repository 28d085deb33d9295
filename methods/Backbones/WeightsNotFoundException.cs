namespace AnomalyBench.Methods.Backbones;

/// <summary>No file of the accepted names in the weights folder; the message names the folder, the names and the download address.</summary>
public sealed class WeightsNotFoundException : WeightsException
{
    public WeightsNotFoundException(string backbone, string folder, IReadOnlyList<string> acceptedNames, string message) : base(message)
    {
        Backbone = backbone;
        Folder = folder;
        AcceptedNames = acceptedNames;
    }

    public string Backbone { get; }

    /// <summary>The folder that was searched.</summary>
    public string Folder { get; }

    /// <summary>The file names (relative to <see cref="Folder"/>) that would have been accepted.</summary>
    public IReadOnlyList<string> AcceptedNames { get; }
}
