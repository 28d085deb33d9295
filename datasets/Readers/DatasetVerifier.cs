namespace AnomalyBench.Datasets;

/// <summary>
/// The deep check behind <c>harness datasets --verify</c>: decodes every image and mask of a
/// category, reporting each file that cannot be decoded and each mask whose size differs from
/// its image (both paths named). Reading only lists files; this reads every pixel.
/// </summary>
public static class DatasetVerifier
{
    public static IReadOnlyList<LayoutIssue> Verify(DatasetCategory category)
    {
        var samples = category.Train.Concat(category.Test).ToArray();
        var found = new List<LayoutIssue>?[samples.Length];
        Parallelism.ForEach(Enumerable.Range(0, samples.Length), i => found[i] = Check(samples[i]));
        return found.Where(f => f is not null).SelectMany(f => f!).ToList();
    }

    private static List<LayoutIssue>? Check(Sample sample)
    {
        int height, width;
        try
        {
            using var image = ImagePipeline.ReadRgb(sample.ImagePath);
            (height, width) = ((int)image.size(1), (int)image.size(2));
        }
        catch (Exception e) when (IsUnreadable(e))
        {
            return [LayoutIssue.Error(sample.ImagePath, Reason(e, sample.ImagePath))];
        }
        if (sample.MaskPath is null) return null;
        try
        {
            using var mask = ImagePipeline.ReadBinaryMask(sample.MaskPath, sample.ImagePath, height, width);
            return null;
        }
        catch (Exception e) when (IsUnreadable(e))
        {
            return [LayoutIssue.Error(sample.MaskPath, Reason(e, sample.MaskPath))];
        }
    }

    /// <summary>
    /// A file that does not decode, and one that cannot be opened at all: a dangling or self-referencing symbolic link
    /// (FileNotFoundException, "too many levels of symbolic links"), no read permission. Each is an issue of its file,
    /// not an unhandled exception that ends the whole check (issue 21).
    /// </summary>
    private static bool IsUnreadable(Exception e) => e is InvalidDataException or IOException or UnauthorizedAccessException;

    /// <summary>The message without a leading copy of the path (the issue names the path already).</summary>
    private static string Reason(Exception e, string path) =>
        e.Message.StartsWith(path + ": ", StringComparison.Ordinal) ? e.Message[(path.Length + 2)..] : e.Message;
}
