using System.CommandLine;
using System.Reflection;
using AnomalyBench.Harness.Config;
using AnomalyBench.Methods;

namespace AnomalyBench.Harness.Commands;

/// <summary><c>harness methods [KEY]</c>: every registered method with its hyper-parameters and their defaults per profile.</summary>
internal static class MethodsCommand
{
    public static Command Create(MethodRegistry registry)
    {
        var key = new Argument<string?>("key") { Description = "Show one method.", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("methods", "List the methods, their hyper-parameters and defaults (paper and quick profiles).") { key };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var wanted = parse.GetValue(key);
            if (wanted is not null && !registry.TryGet(wanted, out _))
            {
                parse.InvocationConfiguration.Error.WriteLine($"unknown method '{wanted}'; known methods: {string.Join(", ", registry.Keys)}");
                return 1;
            }
            if (registry.All.Count == 0) output.WriteLine("no methods are registered yet");
            foreach (var info in registry.All.Where(m => wanted is null || m.Key == wanted))
            {
                output.WriteLine($"{info.Key}: {info.Title}");
                output.WriteLine($"  {info.Description}");
                output.WriteLine($"  unified setting: {(info.SupportsUnified ? "yes" : "no")}");
                if (wanted is null) continue;
                var paper = info.Defaults(Profile.Paper);
                var quick = info.Defaults(Profile.Quick);
                output.WriteLine($"  {"field",-24} {"paper",-28} quick");
                foreach (var (name, p, q) in Fields(paper, quick)) output.WriteLine($"  {name,-24} {p,-28} {q}");
            }
            return 0;
        });
        return command;
    }

    /// <summary>Every field by its YAML name (pre-processing flattened) with its value in both profiles.</summary>
    private static IEnumerable<(string Name, string Paper, string Quick)> Fields(object paper, object quick)
    {
        foreach (var property in paper.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.Name != "EqualityContract"))
        {
            var p = property.GetValue(paper);
            var q = property.GetValue(quick);
            if (p is AnomalyBench.Datasets.Preprocessing pp && q is AnomalyBench.Datasets.Preprocessing qp)
            {
                foreach (var (n, a, b) in Fields(pp, qp)) yield return (n, a, b);
                continue;
            }
            yield return (YamlBinder.SnakeCase(property.Name), Show(p), Show(q));
        }
    }

    private static string Show(object? value) => value switch
    {
        null => "null",
        string s => s,
        System.Collections.IEnumerable e => "[" + string.Join(", ", e.Cast<object?>().Select(Show)) + "]",
        Enum x => YamlBinder.SnakeCase(x.ToString()),
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
