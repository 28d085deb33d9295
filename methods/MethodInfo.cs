namespace AnomalyBench.Methods;

/// <summary>
/// A registered method: its key (<c>patchcore</c>), what it is, its hyper-parameter record
/// type with the defaults of each profile, and how to create it.
/// </summary>
/// <param name="Key">The name experiment files use.</param>
/// <param name="Title">The method's name as its paper gives it.</param>
/// <param name="Description">One line: what it does and where it comes from.</param>
/// <param name="OptionsType">The hyper-parameter record (a <see cref="MethodOptions"/>).</param>
/// <param name="Defaults">The record for a profile.</param>
/// <param name="Create">A new, unfitted instance with the given (validated) options.</param>
/// <param name="SupportsUnified">Whether one model can be trained on all categories of a data set.</param>
/// <param name="PublishedSelection">
/// How the official trainer selects on the test set, for <c>selection: best_test_epoch</c>; null when the published
/// protocol does not (the option is then refused).
/// </param>
public sealed record MethodInfo(
    string Key,
    string Title,
    string Description,
    Type OptionsType,
    Func<Profile, MethodOptions> Defaults,
    Func<MethodOptions, IAnomalyMethod> Create,
    bool SupportsUnified,
    TestSetSelectionRule? PublishedSelection = null);
