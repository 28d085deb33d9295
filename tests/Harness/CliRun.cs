using AnomalyBench.Harness;
using AnomalyBench.Methods;

namespace AnomalyBench.Tests.Harness;

/// <summary>Runs the harness's command line in-process and captures what it prints.</summary>
internal static class CliRun
{
    public static (int Code, string Output, string Error) Run(params string[] args) => Run(MethodRegistry.Default, args);

    public static (int Code, string Output, string Error) Run(MethodRegistry registry, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = Cli.Invoke(args, registry, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
