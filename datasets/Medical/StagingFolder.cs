namespace AnomalyBench.Datasets;

/// <summary>
/// An output folder built under a temporary name beside its target and renamed into place
/// only when complete, so that an interrupted preparation never leaves a folder that looks
/// like a finished data set. Disposing without <see cref="Commit"/> deletes the partial folder.
/// </summary>
internal sealed class StagingFolder : IDisposable
{
    private bool _committed;

    public StagingFolder(string target)
    {
        Target = Path.GetFullPath(target);
        if (Directory.Exists(Target) || File.Exists(Target))
            throw new IOException($"{Target} already exists; choose a new output folder (or delete it) so that no old files mix with the prepared set");
        var parent = Path.GetDirectoryName(Target) ?? throw new ArgumentException($"no parent folder for {Target}");
        Directory.CreateDirectory(parent);
        Root = Path.Combine(parent, $".{Path.GetFileName(Target)}.partial-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Root);
    }

    public string Target { get; }

    /// <summary>The temporary folder to write into.</summary>
    public string Root { get; }

    public string Folder(params string[] parts)
    {
        var folder = Path.Combine([Root, .. parts]);
        Directory.CreateDirectory(folder);
        return folder;
    }

    public void Commit()
    {
        Directory.Move(Root, Target);
        _committed = true;
    }

    public void Dispose()
    {
        if (!_committed && Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
    }
}
