using System.Text.Json;

namespace AnomalyBench.Datasets;

/// <summary>
/// Reads a MedIAnomaly benchmark set (caiyu6666/MedIAnomaly, dataloaders/dataload.py
/// MedAD; RSNA, VinCXR, BrainTumor, LAG): <c>&lt;root&gt;/images/*</c> and
/// <c>&lt;root&gt;/data.json</c> = <c>{"train": {"0": [files]}, "test": {"0": [files], "1": [files]}}</c>,
/// "0" normal and "1" abnormal, file names relative to images/. Image-level only; one
/// category named after the root folder. (MedAD converts to grayscale; the shared pipeline
/// promotes every image to RGB, which keeps the grey values.)
/// </summary>
public sealed class MedIAnomalyReader(string root) : DatasetReader("medianomaly", root, "MedIAnomaly set")
{
    private string JsonPath => Path.Combine(Root, "data.json");

    private string CategoryName => Path.GetFileName(Root.TrimEnd(Path.DirectorySeparatorChar));

    protected override IReadOnlyList<string> FindCategories(List<LayoutIssue> issues)
    {
        if (!CheckRoot(issues, "expected a MedIAnomaly set: images/ and data.json")) return [];
        if (!File.Exists(JsonPath))
        {
            issues.Add(LayoutIssue.Error(JsonPath, "split file not found; a MedIAnomaly set has data.json = {\"train\": {\"0\": [...]}, \"test\": {\"0\": [...], \"1\": [...]}} beside images/"));
            return [];
        }
        return [CategoryName];
    }

    protected override string CategoryPath(string category) => Root;

    protected override DatasetCategory? ReadCategory(string category, List<LayoutIssue> issues)
    {
        var imagesDir = Path.Combine(Root, "images");
        if (!RequireFolder(imagesDir, issues, "the images listed in data.json")) return null;
        JsonElement json;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(JsonPath));
            json = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            issues.Add(LayoutIssue.Error(JsonPath, $"not valid JSON ({e.Message})"));
            return null;
        }
        var train = List(json, "train", "0", Label.Normal, category, imagesDir, issues, required: true);
        var test = List(json, "test", "0", Label.Normal, category, imagesDir, issues, required: true);
        test.AddRange(List(json, "test", "1", Label.Anomalous, category, imagesDir, issues, required: true));
        return new DatasetCategory(Kind, category, Root, train, test, HasPixelMasks: false, []);
    }

    private List<Sample> List(JsonElement json, string split, string label, Label value, string category, string imagesDir, List<LayoutIssue> issues, bool required)
    {
        var samples = new List<Sample>();
        if (json.ValueKind != JsonValueKind.Object || !json.TryGetProperty(split, out var part) || part.ValueKind != JsonValueKind.Object
            || !part.TryGetProperty(label, out var files) || files.ValueKind != JsonValueKind.Array)
        {
            if (required) issues.Add(LayoutIssue.Error(JsonPath, $"no list at [\"{split}\"][\"{label}\"]; expected {{\"train\": {{\"0\": [...]}}, \"test\": {{\"0\": [...], \"1\": [...]}}}}"));
            return samples;
        }
        foreach (var file in files.EnumerateArray())
        {
            if (file.ValueKind != JsonValueKind.String)
            {
                issues.Add(LayoutIssue.Error(JsonPath, $"[\"{split}\"][\"{label}\"] holds a {file.ValueKind}; expected file names"));
                continue;
            }
            var path = Path.Combine(imagesDir, file.GetString()!);
            if (!File.Exists(path))
            {
                issues.Add(LayoutIssue.Error(path, $"image listed in data.json [\"{split}\"][\"{label}\"] not found"));
                continue;
            }
            samples.Add(new Sample(path, null, value, value == Label.Normal ? "normal" : "abnormal", category));
        }
        return samples;
    }
}
