namespace AnomalyBench.Datasets;

/// <summary>Opens a reader by the kind name used on the command line and in experiment files.</summary>
public static class DatasetReaders
{
    public static IReadOnlyList<string> Kinds { get; } =
        ["mvtec", "visa", "btad", "folder", "synthetic", "aptos", "oct2017", "isic2018", "retinal-oct", "medianomaly"];

    public static IDatasetReader Open(string kind, string root) => kind.ToLowerInvariant() switch
    {
        "mvtec" or "mvtec_ad" or "mvtec-ad" => MVTecLayoutReader.MVTecAd(root),
        "visa" => new VisaReader(root),
        "btad" => new BtadReader(root),
        "folder" => MVTecLayoutReader.Folder(root),
        "synthetic" => MVTecLayoutReader.Synthetic(root),
        "aptos" => MedicalFolderReader.Aptos(root),
        "oct2017" => MedicalFolderReader.Oct2017(root),
        "isic2018" => MedicalFolderReader.Isic2018(root),
        "retinal-oct" or "retinal_oct" => MedicalFolderReader.RetinalOct(root),
        "medianomaly" => new MedIAnomalyReader(root),
        _ => throw new ArgumentException($"unknown data set kind '{kind}'; valid kinds: {string.Join(", ", Kinds)}", nameof(kind)),
    };
}
