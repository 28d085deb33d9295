using System.CommandLine;
using AnomalyBench.Datasets;

namespace AnomalyBench.Harness.Commands;

/// <summary>
/// <c>harness datasets ROOT --kind mvtec|visa|btad|...</c>: what a data set folder holds (categories,
/// images per split and defect type) and every layout problem, with a warning where MVTec AD or
/// VisA counts differ from the published ones. <c>--verify</c> also decodes every image and mask.
/// Exit code 0 when the set is readable, 1 when it has errors, 2 for a bad command line.
/// </summary>
internal static class DatasetsCommand
{
    private const int ListedIssues = 40;

    public static Command Create()
    {
        var root = new Argument<DirectoryInfo>("root") { Description = "The data set's root folder." };
        var kind = new Option<string>("--kind", "-k")
        {
            Description = $"The data set's layout: {string.Join(", ", DatasetReaders.Kinds)}.",
            DefaultValueFactory = _ => "mvtec",
        };
        kind.AcceptOnlyFromAmong([.. DatasetReaders.Kinds]);
        var verify = new Option<bool>("--verify") { Description = "Decode every image and mask: corrupt files and masks whose size differs from their image." };
        var all = new Option<bool>("--all") { Description = $"List every problem (by default the first {ListedIssues})." };
        var command = new Command("datasets", "List a data set's categories and image counts, and check its layout.") { root, kind, verify, all };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var reader = DatasetReaders.Open(parse.GetValue(kind)!, parse.GetValue(root)!.FullName);
            var inspection = reader.Inspect();
            var issues = inspection.Issues.ToList();
            if (parse.GetValue(verify))
            {
                foreach (var category in inspection.Categories)
                {
                    output.WriteLine($"verifying {category.Name}: decoding {category.Train.Count + category.Test.Count} images and their masks ...");
                    issues.AddRange(DatasetVerifier.Verify(category));
                }
            }
            Print(output, inspection, reader);
            PrintIssues(output, issues, parse.GetValue(all));
            var errors = issues.Count(i => i.IsError);
            if (errors > 0)
            {
                error.WriteLine($"{errors} error(s): the data set cannot be read as '{reader.Kind}' until they are fixed.");
                return 1;
            }
            return 0;
        });
        return command;
    }

    private static void Print(TextWriter output, DatasetInspection inspection, IDatasetReader reader)
    {
        output.WriteLine($"{reader.DisplayName} (kind {reader.Kind}) at {inspection.Root}");
        if (inspection.Categories.Count == 0)
        {
            output.WriteLine("no readable category");
            return;
        }
        var width = Math.Max(8, inspection.Categories.Max(c => c.Name.Length));
        output.WriteLine($"{"category".PadRight(width)}  {"train",6}  {"test",6}  {"normal",6}  {"anomal.",7}  masks  test images by type");
        foreach (var c in inspection.Categories)
        {
            var types = string.Join(", ", c.CountsByDefectType(Split.Test).Select(t => $"{t.DefectType} {t.Count}"));
            output.WriteLine($"{c.Name.PadRight(width)}  {c.Train.Count,6}  {c.Test.Count,6}  {c.NormalTestCount,6}  {c.AnomalousTestCount,7}  {(c.HasPixelMasks ? "yes" : "no "),-5}  {types}");
        }
        if (inspection.Categories.Count > 1)
        {
            output.WriteLine($"{"total".PadRight(width)}  {inspection.TrainCount,6}  {inspection.TestCount,6}  {inspection.Categories.Sum(c => c.NormalTestCount),6}  {inspection.Categories.Sum(c => c.AnomalousTestCount),7}");
        }
        if (inspection.Categories.Any(c => !c.HasPixelMasks))
            output.WriteLine("categories without masks are image-level only: pixel metrics (P-AUROC, AUPRO) are reported as not applicable");
    }

    private static void PrintIssues(TextWriter output, List<LayoutIssue> issues, bool all)
    {
        if (issues.Count == 0)
        {
            output.WriteLine("layout: no problems found");
            return;
        }
        var ordered = issues.OrderByDescending(i => i.IsError).ToList();
        output.WriteLine($"{ordered.Count(i => i.IsError)} error(s), {ordered.Count(i => !i.IsError)} warning(s):");
        foreach (var issue in all ? ordered : ordered.Take(ListedIssues)) output.WriteLine($"  {issue}");
        if (!all && ordered.Count > ListedIssues) output.WriteLine($"  ... and {ordered.Count - ListedIssues} more (--all lists every one)");
    }
}
