using YamlDotNet.Core;

namespace AnomalyBench.Harness.Config;

/// <summary>A mistake in an experiment file, reported as <c>file:line:column: message</c>.</summary>
public sealed class ConfigException : Exception
{
    public ConfigException(string file, Mark? at, string message)
        : base(at is { } m && m.Line > 0 ? $"{file}:{m.Line}:{m.Column}: {message}" : $"{file}: {message}")
    {
        File = file;
        Line = at?.Line ?? 0;
        Column = at?.Column ?? 0;
    }

    public string File { get; }
    public long Line { get; }
    public long Column { get; }
}
