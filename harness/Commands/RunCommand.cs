using System.CommandLine;

namespace AnomalyBench.Harness.Commands;

/// <summary>
/// <c>harness run FILE.yaml</c>: the sweep over methods × data sets × categories × seeds.
/// The runner itself arrives with its issue; until then this command says so and fails.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "The experiment file (YAML)." };
        var command = new Command("run", "Run the sweep an experiment file describes.") { file };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            var error = parse.InvocationConfiguration.Error;
            if (!path.Exists)
            {
                error.WriteLine($"experiment file not found: {path.FullName}");
                return 2;
            }
            error.WriteLine($"the experiment runner is not implemented yet; {path.Name} was not run.");
            return 2;
        });
        return command;
    }
}
