using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using AnomalyBench.Harness.SelfCheck;
using AnomalyBench.Methods;
using AnomalyBench.Torch;

namespace AnomalyBench.Harness.Commands;

/// <summary>
/// <c>harness selfcheck [--device D] [--json FILE] [--quick]</c>: checks a machine before a sweep (issue 22): the
/// engine, every op the methods use on CPU and the device, each method's fit and predict against CPU, and their cost.
/// Exit 0 when all pass, 1 when a check fails, 2 on bad arguments (an unknown device, CUDA where there is none).
/// </summary>
internal static class SelfCheckCommand
{
    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static Command Create(MethodRegistry registry)
    {
        var device = new Option<string>("--device") { Description = "cpu, cuda or cuda:N (default cpu).", DefaultValueFactory = _ => "cpu" };
        var json = new Option<string?>("--json") { Description = "Also write the report as JSON to this file." };
        var quick = new Option<bool>("--quick") { Description = "Smaller and faster: 64-px images, 1 epoch, ResNet-18 backbones." };
        var command = new Command("selfcheck", "Check this machine: ops on CPU vs the device, each method's fit and predict, images/s and peak memory.")
        {
            device, json, quick,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            Device target;
            try
            {
                target = Device.Parse(parse.GetValue(device) ?? "cpu");
            }
            catch (FormatException e)
            {
                error.WriteLine(e.Message);
                return 2;
            }
            if (target.Type == DeviceType.CUDA)
            {
                if (!torch.cuda.is_available())
                {
                    error.WriteLine($"--device {parse.GetValue(device)}: CUDA is not available here (no GPU, or this libtorch was built without CUDA: see `harness info`)");
                    return 2;
                }
                var count = torch.cuda.device_count();
                if (Math.Max(target.Index, 0) >= count)
                {
                    error.WriteLine($"--device {parse.GetValue(device)}: this machine has {count} CUDA device(s), cuda:0 to cuda:{count - 1}");
                    return 2;
                }
            }
            return Execute(registry, target, parse.GetValue(quick), parse.GetValue(json), output);
        });
        return command;
    }

    /// <summary>Runs the self-check on a valid device, writes the JSON when asked and returns the exit code (0 passed, 1 a check failed).</summary>
    /// <param name="tolerance">maps (op name or method key, stated tolerance) to the one applied; null keeps the stated ones (tests force failures with it).</param>
    internal static int Execute(MethodRegistry registry, Device target, bool quick, string? json, TextWriter output, Func<string, double, double>? tolerance = null)
    {
        var report = SelfCheckRunner.Run(registry, target, quick, output, tolerance);
        if (json is not null)
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(json));
            if (folder is not null) Directory.CreateDirectory(folder);
            File.WriteAllText(json, JsonSerializer.Serialize(report, s_json));
            output.WriteLine($"report written to {json}");
        }
        return report.Passed ? 0 : 1;
    }
}
