using System.CommandLine;
using AnomalyBench.Harness.Commands;
using AnomalyBench.Methods;
using AnomalyBench.Torch;

namespace AnomalyBench.Harness;

/// <summary>The command line: one subcommand per file in Commands/.</summary>
public static class Cli
{
    public static RootCommand Build() => Build(MethodRegistry.Default);

    public static RootCommand Build(MethodRegistry registry)
    {
        var root = new RootCommand("AnomalyBench: faithful anomaly-detection methods, exact metrics, honest tables.")
        {
            RunCommand.Create(registry),
            ValidateCommand.Create(registry),
            InfoCommand.Create(),
            WeightsCommand.Create(),
            EvaluateCommand.Create(),
            MethodsCommand.Create(registry),
            DatasetsCommand.Create(),
            PrepareCommand.Create(),
            ReportCommand.Create(),
            SlurmCommand.Create(registry),
            SelfCheckCommand.Create(registry),
        };
        return root;
    }

    public static int Invoke(string[] args, TextWriter? output = null, TextWriter? error = null) =>
        Invoke(args, MethodRegistry.Default, output, error);

    public static int Invoke(string[] args, MethodRegistry registry, TextWriter? output = null, TextWriter? error = null)
    {
        if (args.Length >= 1 && IsExperimentFile(args[0])) args = ["run", .. args];
        var config = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
        if (output is not null) config.Output = output;
        if (error is not null) config.Error = error;
        try
        {
            return Build(registry).Parse(args).Invoke(config);
        }
        catch (TorchException e)
        {
            // The engine's own errors (a bad ANOMALYBENCH_THREADS or ANOMALYBENCH_OPENBLAS, a missing shim) say what to
            // do in their message; a stack trace would only bury it.
            config.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        catch (Exception e)
        {
            config.Error.WriteLine($"Unhandled exception: {e}");
            return 1;
        }
    }

    private static bool IsExperimentFile(string arg) =>
        arg.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || arg.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);
}
