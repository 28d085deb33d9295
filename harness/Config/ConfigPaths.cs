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
}
