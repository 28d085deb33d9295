namespace AnomalyBench.Methods.Backbones;

/// <summary>
/// A weights file whose keys or shapes are not the network's: the lists name every offending key,
/// the message the first few of each kind.
/// </summary>
public sealed class WeightsMismatchException : WeightsException
{
    public WeightsMismatchException(string message, string file, IReadOnlyList<string> missingKeys, IReadOnlyList<string> unexpectedKeys,
        IReadOnlyList<string> shapeMismatches) : base(message)
    {
        File = file;
        MissingKeys = missingKeys;
        UnexpectedKeys = unexpectedKeys;
        ShapeMismatches = shapeMismatches;
    }

    public string File { get; }

    /// <summary>Keys of the network the file lacks.</summary>
    public IReadOnlyList<string> MissingKeys { get; }

    /// <summary>Keys of the file the network does not have.</summary>
    public IReadOnlyList<string> UnexpectedKeys { get; }

    /// <summary>One line per key present in both with different shapes: "key: file [..] vs network [..]".</summary>
    public IReadOnlyList<string> ShapeMismatches { get; }
}
