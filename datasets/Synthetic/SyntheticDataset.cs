using System.Collections.Immutable;
using System.Text.Json;
using AnomalyBench.Torch;

namespace AnomalyBench.Datasets;

/// <summary>
/// A deterministic synthetic data set in the MVTec AD layout, generated in C# (pixels in plain
/// arrays, PNGs through the bridge's encoder) so that every method can be run and tested
/// without downloads. Three textures (woven fabric, wood grain, a tiled grid) and two objects
/// (a round flange washer at any rotation and a varying position, a pill), each with normal
/// variation (pose, pattern phase, colour, lighting gain and gradient, sensor noise), and five
/// defect types each with an exact mask (scratch, hole or missing piece, stain, foreign
/// particle, local deformation). The pose and lighting variation keep a per-pixel difference
/// to the mean training image from separating the objects' defects: a method must model the
/// normal appearance. The same options give byte-identical files; a set is written to a
/// temporary folder and renamed when complete, so an interrupted run never leaves a set that
/// looks whole. Read it with <see cref="MVTecLayoutReader"/> (kind <c>synthetic</c> or <c>mvtec</c>'s layout).
/// </summary>
public static class SyntheticDataset
{
    /// <summary>Changes whenever the drawing changes, so that a cached set of an older generator is not reused.</summary>
    public const int GeneratorVersion = 1;

    /// <summary>Written last into a complete set: the options it was generated with.</summary>
    public const string ManifestName = "synthetic.json";

    private static readonly ImmutableArray<SyntheticCategory> s_categories =
        [new FabricCategory(), new WoodCategory(), new TileCategory(), new WasherCategory(), new PillCategory()];

    public static IReadOnlyList<string> CategoryNames { get; } = s_categories.Select(c => c.Name).ToArray();

    public static IReadOnlyList<string> TextureCategories { get; } = s_categories.Where(c => !c.IsObject).Select(c => c.Name).ToArray();

    public static IReadOnlyList<string> ObjectCategories { get; } = s_categories.Where(c => c.IsObject).Select(c => c.Name).ToArray();

    /// <summary>The defect types (test folder names) of a category.</summary>
    public static IReadOnlyList<string> DefectTypes(string category) => Find(category).DefectTypes;

    private static SyntheticCategory Find(string name) =>
        s_categories.FirstOrDefault(c => c.Name == name)
        ?? throw new ArgumentException($"unknown synthetic category '{name}'; the categories are {string.Join(", ", CategoryNames)}");

    /// <summary>
    /// The cache folder for generated sets: $ANOMALYBENCH_CACHE/synthetic, else
    /// $XDG_CACHE_HOME/anomalybench/synthetic, else ~/.cache/anomalybench/synthetic. Never inside the repository.
    /// </summary>
    public static string DefaultCacheRoot()
    {
        var own = Environment.GetEnvironmentVariable("ANOMALYBENCH_CACHE");
        if (!string.IsNullOrWhiteSpace(own)) return Path.Combine(own, "synthetic");
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var cache = !string.IsNullOrWhiteSpace(xdg) ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(cache, "anomalybench", "synthetic");
    }

    /// <summary>The root of the set for these options under <paramref name="cacheRoot"/>, generated first if it is not there yet.</summary>
    public static string EnsureGenerated(SyntheticOptions options, string? cacheRoot = null)
    {
        options.Validate();
        var root = Path.Combine(Path.GetFullPath(cacheRoot ?? DefaultCacheRoot()), options.FolderName);
        if (File.Exists(Path.Combine(root, ManifestName))) return root;
        if (Directory.Exists(root))
            throw new IOException($"{root} exists but has no {ManifestName}: it is not a complete synthetic set; delete the folder and run again");
        Generate(root, options, replaceRace: true);
        return root;
    }

    /// <summary>Writes the set into <paramref name="root"/>, which must not exist yet.</summary>
    public static void Generate(string root, SyntheticOptions options) => Generate(root, options, replaceRace: false);

    private static void Generate(string root, SyntheticOptions options, bool replaceRace)
    {
        options.Validate();
        root = Path.GetFullPath(root);
        if (Directory.Exists(root) || File.Exists(root))
            throw new IOException($"{root} already exists; the synthetic set is written to a new folder (delete it, or choose another)");
        var parent = Path.GetDirectoryName(root) ?? throw new ArgumentException($"no parent folder for {root}");
        Directory.CreateDirectory(parent);
        var temporary = Path.Combine(parent, $".{Path.GetFileName(root)}.partial-{Guid.NewGuid():N}");
        try
        {
            var jobs = options.SelectedCategories.SelectMany(name => Jobs(Find(name), options)).ToArray();
            Parallelism.ForEach(jobs, job => Draw(job, temporary, options));
            var manifest = JsonSerializer.Serialize(new
            {
                generator = "AnomalyBench synthetic",
                version = GeneratorVersion,
                seed = options.Seed,
                image_size = options.ImageSize,
                train_count = options.TrainCount,
                test_count = options.TestCount,
                categories = options.SelectedCategories,
            }, new JsonSerializerOptions { WriteIndented = true });
            File.WriteAllText(Path.Combine(temporary, ManifestName), manifest + "\n");
            try
            {
                Directory.Move(temporary, root);
            }
            catch (IOException) when (replaceRace && File.Exists(Path.Combine(root, ManifestName)))
            {
                // Another process finished the same set first; its files are identical.
                Directory.Delete(temporary, recursive: true);
            }
        }
        catch
        {
            if (Directory.Exists(temporary)) Directory.Delete(temporary, recursive: true);
            throw;
        }
    }

    /// <summary>One image to draw: its category, split, defect type (null for good) and index within its folder.</summary>
    private sealed record Job(SyntheticCategory Category, Split Split, string? Defect, int DefectIndex, int Index);

    private static IEnumerable<Job> Jobs(SyntheticCategory category, SyntheticOptions options)
    {
        for (var i = 0; i < options.TrainCount; i++) yield return new Job(category, Split.Train, null, 0, i);
        for (var i = 0; i < options.GoodTestCount; i++) yield return new Job(category, Split.Test, null, 0, i);
        var defects = category.DefectTypes;
        var perType = new int[defects.Count];
        for (var k = 0; k < options.TestCount - options.GoodTestCount; k++)
        {
            var d = k % defects.Count;
            yield return new Job(category, Split.Test, defects[d], d + 1, perType[d]++);
        }
    }

    private static void Draw(Job job, string root, SyntheticOptions options)
    {
        var random = new SyntheticRandom(SyntheticRandom.Key(
            (ulong)options.Seed, SyntheticRandom.Hash(job.Category.Name), (ulong)job.Split, (ulong)job.DefectIndex, (ulong)job.Index));
        var (image, mask) = Render(job.Category, options.ImageSize, job.Defect, random);
        var name = $"{job.Index:D3}";
        var dir = Path.Combine(root, job.Category.Name);
        var folder = job.Split == Split.Train ? Path.Combine(dir, "train", MVTecAd.Good) : Path.Combine(dir, "test", job.Defect ?? MVTecAd.Good);
        using (var tensor = image.ToTensor()) torchvision.io.write_png(tensor, Path.Combine(folder, name + ".png"));
        if (mask is not null)
        {
            var bytes = mask.Select(m => m ? (byte)255 : (byte)0).ToArray();
            using var tensor = torch.from_array(bytes, [1, options.ImageSize, options.ImageSize]);
            torchvision.io.write_png(tensor, Path.Combine(dir, "ground_truth", job.Defect!, name + MVTecAd.MaskSuffix + ".png"));
        }
    }

    /// <summary>Draws one image: the normal scene, the defect (if any), then lighting and noise.</summary>
    private static (Canvas Image, bool[]? Mask) Render(SyntheticCategory category, int size, string? defect, SyntheticRandom random)
    {
        var scene = category.Render(size, random);
        var mask = defect is null ? null : SyntheticDefects.Paint(defect, scene, random);
        Light(scene.Canvas, random);
        return (scene.Canvas, mask);
    }

    /// <summary>
    /// Normal acquisition variation: a global gain (±12 %), a slight colour cast (±2 % per
    /// channel), a linear illumination gradient in a random direction (up to ±8 %), and
    /// Gaussian sensor noise (σ = 0.012).
    /// </summary>
    private static void Light(Canvas canvas, SyntheticRandom random)
    {
        var n = canvas.Size;
        var gain = random.Uniform(0.88f, 1.12f);
        Span<float> cast = [random.Uniform(0.98f, 1.02f), random.Uniform(0.98f, 1.02f), random.Uniform(0.98f, 1.02f)];
        var direction = random.Uniform(0f, 2 * MathF.PI);
        var slope = random.Uniform(0f, 0.16f);
        var (gx, gy) = (MathF.Cos(direction) * slope, MathF.Sin(direction) * slope);
        const float noise = 0.012f;
        var pixels = canvas.Pixels;
        for (var c = 0; c < 3; c++)
        {
            for (var y = 0; y < n; y++)
            {
                for (var x = 0; x < n; x++)
                {
                    var light = gain * cast[c] * (1 + gx * ((x + 0.5f) / n - 0.5f) + gy * ((y + 0.5f) / n - 0.5f));
                    var i = (c * n + y) * n + x;
                    pixels[i] = pixels[i] * light + noise * random.Normal();
                }
            }
        }
    }
}
