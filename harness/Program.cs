namespace AnomalyBench.Harness;

/// <summary>
/// <c>harness SUBCOMMAND ...</c>; <c>harness experiments.yaml</c> is short for
/// <c>harness run experiments.yaml</c>.
/// </summary>
public static class Program
{
    public static int Main(string[] args) => Cli.Invoke(args);
}
