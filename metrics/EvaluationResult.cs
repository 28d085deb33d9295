using System.Globalization;
using System.Text;
using System.Text.Json;

namespace AnomalyBench.Metrics;

/// <summary>
/// Every metric of one evaluation. <see cref="Values"/> lists them under their report keys
/// (<c>image_auroc</c>, <c>pixel_auroc</c>, <c>aupro_0.3</c>, <c>aupro_0.05</c>, <c>image_ap</c>,
/// <c>pixel_ap</c>, <c>image_f1max</c>, <c>pixel_f1max</c>); undefined ones are NaN with a
/// reason. <see cref="ToJson"/> writes them as a JSON object (NaN as null, reasons under
/// <c>undefined</c>, the AUPRO method under <c>aupro_method</c>).
/// </summary>
public sealed record EvaluationResult(
    ImageMetricsResult Image,
    PixelMetricsResult Pixel,
    bool ScoresFromMaps,
    IReadOnlyList<string> Warnings)
{
    public IReadOnlyList<KeyValuePair<string, MetricValue>> Values
    {
        get
        {
            var values = new List<KeyValuePair<string, MetricValue>>
            {
                new("image_auroc", Image.Auroc),
                new("pixel_auroc", Pixel.Auroc),
            };
            foreach (var a in Pixel.Aupro)
                values.Add(new(AuproKey(a.Limit), a.Value));
            if (PerImageAupro is { } perImage) values.Add(new(PerImageAuproKey, perImage));
            values.Add(new("image_ap", Image.AveragePrecision));
            values.Add(new("pixel_ap", Pixel.AveragePrecision));
            values.Add(new("image_f1max", Image.F1Max.Value));
            values.Add(new("pixel_f1max", Pixel.F1Max.Value));
            return values;
        }
    }

    /// <summary>The key of the papers' per-image AUPRO (<see cref="Metrics.PerImageAupro"/>), when it was asked for.</summary>
    public const string PerImageAuproKey = "aupro_per_image_0.3";

    /// <summary>RD4AD's and ReContrast's per-image AUPRO at FPR 0.3, or null when not computed (<see cref="PixelMetricsOptions.PerImageAupro"/>).</summary>
    public MetricValue? PerImageAupro { get; init; }

    /// <summary>The report key of an AUPRO limit: <c>aupro_0.3</c>, <c>aupro_0.05</c>.</summary>
    public static string AuproKey(double limit) => "aupro_" + limit.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Key → value (NaN when undefined), in report order.</summary>
    public IReadOnlyDictionary<string, double> ToDictionary()
    {
        var d = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (key, value) in Values) d[key] = value.Value;
        return d;
    }

    public string ToJson(bool indented = true)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = indented }))
        {
            w.WriteStartObject();
            var undefined = new List<KeyValuePair<string, string>>();
            foreach (var (key, value) in Values)
            {
                if (value.IsDefined) w.WriteNumber(key, value.Value);
                else
                {
                    w.WriteNull(key);
                    undefined.Add(new(key, value.UndefinedReason!));
                }
            }
            if (Pixel.Aupro.Count > 0) w.WriteString("aupro_method", Pixel.Aupro[0].Method);
            if (undefined.Count > 0)
            {
                w.WriteStartObject("undefined");
                foreach (var (key, reason) in undefined) w.WriteString(key, reason);
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
