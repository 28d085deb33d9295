using AnomalyBench.Datasets;

namespace AnomalyBench.Methods;

/// <summary>
/// The base of every method's hyper-parameter record. Each method's record holds its
/// paper's defaults (<see cref="Profile.Paper"/>) and a small CPU setting
/// (<see cref="Profile.Quick"/>); an experiment file overrides any field by its snake_case name.
/// </summary>
public abstract record MethodOptions
{
    /// <summary>Image size, crop, resize mode and normalisation the method's paper uses.</summary>
    public Preprocessing Preprocessing { get; init; } = new();

    /// <summary>Images per batch for feature extraction and prediction (and training, for trained methods).</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>
    /// Which model or numbers the run reports: <see cref="ModelSelection.Last"/> (default), or a method's published
    /// test-set selection (<see cref="MethodInfo.PublishedSelection"/>); the harness refuses it for other methods.
    /// </summary>
    public ModelSelection Selection { get; init; } = ModelSelection.Last;

    /// <summary>Throws <see cref="ArgumentException"/> naming the field (snake_case) when a value cannot work.</summary>
    public virtual void Validate()
    {
        Preprocessing.Validate();
        if (BatchSize < 1) throw new ArgumentException($"batch_size must be at least 1, got {BatchSize}");
        if (!Enum.IsDefined(Selection)) throw new ArgumentException($"unknown selection {Selection}; use last or best_test_epoch");
    }
}

/// <summary>Which of a method's settings an experiment starts from.</summary>
public enum Profile
{
    /// <summary>The paper's (or its official code's) settings.</summary>
    Paper,

    /// <summary>A small setting that runs on a 2-core CPU in about a minute per category.</summary>
    Quick,
}
