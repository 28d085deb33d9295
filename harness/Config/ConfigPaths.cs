namespace AnomalyBench.Harness.Config;

/// <summary>Paths in an experiment file: <c>~</c> is the home folder, relative paths start at the file's own folder.</summary>
public static class ConfigPaths
{
    public static string Resolve(string configFile, string path)
    {
        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
            path = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.Length > 2 ? path[2..] : "");
        var folder = Path.GetDirectoryName(Path.GetFullPath(configFile))!;
        return Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(folder, path));
    }

    /// <summary>
    /// Whether <paramref name="name"/> is one folder name that stays inside its parent: not empty, not . or .., no
    /// separator of either platform, no character a file name cannot hold. Experiment, data-set and method names become
    /// such folders; <c>experiment: ..</c> once put a sweep's manifest, report and runs into the output folder's parent.
    /// </summary>
    public static bool IsOneFolderName(string? name) =>
        !string.IsNullOrWhiteSpace(name) && name is not ("." or "..") && name.Trim() == name
        && name.IndexOfAny(['/', '\\']) < 0 && name.IndexOfAny(Path.GetInvalidFileNameChars()) < 0;

    /// <summary>What <see cref="IsOneFolderName"/> asks for, for messages.</summary>
    public const string FolderNameRule = "must be one folder name (not empty, not . or .., no / or \\, no leading or trailing spaces)";
}
