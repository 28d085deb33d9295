namespace AnomalyBench.Datasets;

/// <summary>
/// Enumerates the samples of one data set on disk. Reading only lists files and checks the
/// layout (folders, names, image/mask pairs); pixels are decoded by the
/// <see cref="ImagePipeline"/>, which also rejects a mask whose size differs from its image.
/// </summary>
public interface IDatasetReader
{
    /// <summary>The kind name used on the command line and in experiment files (<c>mvtec</c>, <c>visa</c>, ...).</summary>
    string Kind { get; }

    string Root { get; }

    /// <summary>The data set's own name for messages: "MVTec AD", "VisA", ...</summary>
    string DisplayName { get; }

    /// <summary>The categories present on disk, in ordinal order. Throws <see cref="DatasetLayoutException"/> when the root itself is unusable.</summary>
    IReadOnlyList<string> Categories { get; }

    /// <summary>The samples of one category; throws <see cref="DatasetLayoutException"/> listing every error found.</summary>
    DatasetCategory Read(string category);

    /// <summary>Every category and every problem (errors and warnings, count checks included), without throwing on layout errors.</summary>
    DatasetInspection Inspect();
}
