using System.Diagnostics;
using NUnit.Framework;

namespace AnomalyBench.Tests.Harness;

/// <summary>
/// Starts the built harness in a fresh process: what happens when the engine loads (libgomp's and OpenBLAS's
/// environment, the BLAS build) can only be seen there.
/// </summary>
internal static class HarnessProcess
{
    /// <param name="environment">variables to set; a null value removes the variable.</param>
    public static (int Code, string Output, string Error) Run(string[] arguments, Dictionary<string, string?> environment, int timeoutSeconds = 300)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "harness.dll"));
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment)
        {
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"harness {string.Join(' ', arguments)} did not finish in {timeoutSeconds} s");
        }
        return (process.ExitCode, output, error.Result);
    }

    /// <summary>Runs the harness and fails the test unless it exits with 0; returns standard output and error.</summary>
    public static (string Output, string Error) Succeed(string[] arguments, Dictionary<string, string?> environment)
    {
        var (code, output, error) = Run(arguments, environment);
        Assert.That(code, Is.Zero, $"harness {string.Join(' ', arguments)}:\n{output}\n{error}");
        return (output, error);
    }
}
