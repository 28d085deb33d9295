namespace AnomalyBench.Methods.Backbones;

/// <summary>What the store has for a backbone (<c>harness weights</c>).</summary>
public enum WeightsState
{
    /// <summary>A file is present and fits the network key by key and shape by shape.</summary>
    Found,

    /// <summary>No file of an accepted name.</summary>
    Missing,

    /// <summary>A file is present but its keys or shapes are not the network's.</summary>
    ShapeMismatch,

    /// <summary>A file is present but cannot be read (truncated, corrupt, wrong SHA-256).</summary>
    Unreadable,
}

/// <summary>The result of <see cref="WeightsStore.Check"/>.</summary>
/// <param name="Backbone">the backbone's name.</param>
/// <param name="State">found, missing, shape mismatch or unreadable.</param>
/// <param name="File">the file examined; null when missing.</param>
/// <param name="Detail">the SHA-256 when found, the download address when missing, the first problems otherwise.</param>
public sealed record WeightsStatus(string Backbone, WeightsState State, string? File, string Detail);
