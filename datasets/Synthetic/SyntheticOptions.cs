namespace AnomalyBench.Datasets;

/// <summary>
/// What <see cref="SyntheticDataset"/> generates. The defaults (256 px, 60 training and 40 test
/// images per category, all five categories) are small enough for every method on a CPU in
/// minutes; a method's quality test takes one category at 64–128 px with about 20 + 20 images.
/// </summary>
/// <param name="Seed">The same seed gives byte-identical files.</param>
/// <param name="ImageSize">Side of the square images, in pixels (32 to 2048).</param>
/// <param name="TrainCount">Normal training images per category.</param>
/// <param name="TestCount">Test images per category: 40 % good (at least one), the rest spread over the defect types.</param>
/// <param name="Categories">A subset of <see cref="SyntheticDataset.CategoryNames"/>; null for all.</param>
public sealed record SyntheticOptions(
    int Seed = 0,
    int ImageSize = 256,
    int TrainCount = 60,
    int TestCount = 40,
    IReadOnlyList<string>? Categories = null)
{
    public SyntheticOptions()
        : this(0)
    {
    }

    public IReadOnlyList<string> SelectedCategories => Categories ?? SyntheticDataset.CategoryNames;

    public SyntheticOptions Validate()
    {
        if (ImageSize is < 32 or > 2048) throw new ArgumentException($"synthetic image_size must be between 32 and 2048, got {ImageSize}");
        if (TrainCount < 1) throw new ArgumentException($"synthetic train_count must be at least 1, got {TrainCount}");
        if (TestCount < 1 + SyntheticDefects.TextureDefects.Count)
            throw new ArgumentException($"synthetic test_count must be at least {1 + SyntheticDefects.TextureDefects.Count} (one good image and one per defect type), got {TestCount}");
        if (Categories is not null)
        {
            if (Categories.Count == 0) throw new ArgumentException("synthetic categories: the list is empty; leave it out for all categories");
            foreach (var c in Categories.Where(c => !SyntheticDataset.CategoryNames.Contains(c)))
                throw new ArgumentException($"unknown synthetic category '{c}'; the categories are {string.Join(", ", SyntheticDataset.CategoryNames)}");
            if (Categories.Distinct().Count() != Categories.Count) throw new ArgumentException("synthetic categories: a category is listed twice");
        }
        return this;
    }

    /// <summary>Normal test images per category.</summary>
    public int GoodTestCount => Math.Max(1, (int)Math.Round(TestCount * 0.4, MidpointRounding.AwayFromZero));

    /// <summary>The cache folder name: every option that changes the files, and the generator's version.</summary>
    public string FolderName =>
        $"synthetic-v{SyntheticDataset.GeneratorVersion}-seed{Seed}-{ImageSize}px-{TrainCount}train-{TestCount}test"
        + (Categories is null ? "" : "-" + string.Join("+", Categories.Order(StringComparer.Ordinal)));
}
