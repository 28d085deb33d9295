namespace AnomalyBench.Metrics;

/// <summary>
/// All test images of one evaluation (one category): pixel-level metrics pool every pixel of
/// every image, good images included (they contribute normal pixels only). Construction
/// checks shapes; <see cref="Validate"/> checks values (no NaN in maps, masks 0/1).
/// </summary>
public sealed class PixelSet
{
    public PixelSet(IReadOnlyList<PixelImage> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        long total = 0;
        for (var i = 0; i < images.Count; i++)
        {
            var image = images[i];
            if (image.Height < 0 || image.Width < 0)
                throw new ArgumentException($"image {i} has a negative size {image.Height}x{image.Width}", nameof(images));
            var n = (long)image.Height * image.Width;
            if (image.Map.Length != n)
                throw new ArgumentException($"maps[{i}] has {image.Map.Length} values but the image is {image.Height}x{image.Width} = {n}", nameof(images));
            if (image.Mask.Length != n)
                throw new ArgumentException($"masks[{i}] has {image.Mask.Length} values but maps[{i}] is {image.Height}x{image.Width} = {n}; shapes disagree", nameof(images));
            total += n;
        }
        Images = images;
        PixelCount = total;
    }

    public IReadOnlyList<PixelImage> Images { get; }

    public long PixelCount { get; }

    /// <summary>Images cut out of one contiguous [count, height, width] buffer of maps and one of masks.</summary>
    public static PixelSet FromContiguous(ReadOnlyMemory<float> maps, ReadOnlyMemory<byte> masks, int count, int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        var n = (long)height * width;
        if (maps.Length != count * n)
            throw new ArgumentException($"maps has {maps.Length} values, expected [{count}, {height}, {width}] = {count * n}", nameof(maps));
        if (masks.Length != count * n)
            throw new ArgumentException($"masks has {masks.Length} values, expected [{count}, {height}, {width}] = {count * n} like maps; shapes disagree", nameof(masks));
        var images = new PixelImage[count];
        for (var i = 0; i < count; i++)
        {
            var start = (int)(i * n);
            images[i] = new PixelImage(maps.Slice(start, (int)n), masks.Slice(start, (int)n), height, width);
        }
        return new PixelSet(images);
    }

    /// <summary>Images given as one map array and one mask array each, all height×width.</summary>
    public static PixelSet FromImages(IReadOnlyList<float[]> maps, IReadOnlyList<byte[]> masks, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(maps);
        ArgumentNullException.ThrowIfNull(masks);
        if (maps.Count != masks.Count)
            throw new ArgumentException($"{maps.Count} maps but {masks.Count} masks; there must be one mask per map", nameof(masks));
        var images = new PixelImage[maps.Count];
        for (var i = 0; i < images.Length; i++) images[i] = new PixelImage(maps[i], masks[i], height, width);
        return new PixelSet(images);
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first image and pixel with a NaN score or a mask value other than 0/1.</summary>
    public void Validate(int maxDegreeOfParallelism = -1)
    {
        var errors = new string?[Images.Count];
        Parallel.For(0, Images.Count, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism }, i =>
        {
            var image = Images[i];
            var nan = Validation.IndexOfNaN(image.Map.Span);
            var bad = Validation.IndexOfNonBinary(image.Mask.Span);
            if (nan >= 0)
                errors[i] = $"maps[{i}] has NaN at pixel {nan} (row {nan / Math.Max(1, image.Width)}, column {nan % Math.Max(1, image.Width)}); scores must be numbers";
            else if (bad >= 0)
                errors[i] = $"masks[{i}] has value {image.Mask.Span[bad]} at pixel {bad} (row {bad / Math.Max(1, image.Width)}, column {bad % Math.Max(1, image.Width)}); masks must be 0 or 1 (binarise with > 0 first)";
        });
        foreach (var error in errors)
            if (error is not null) throw new ArgumentException(error, error.StartsWith("maps", StringComparison.Ordinal) ? "maps" : "masks");
    }

    /// <summary>Cuts the images into at most <paramref name="parts"/> contiguous runs of about equal pixel counts; returns the run boundaries.</summary>
    internal int[] Partition(int parts)
    {
        parts = Math.Clamp(parts, 1, Math.Max(1, Images.Count));
        var bounds = new List<int> { 0 };
        long acc = 0;
        for (var i = 0; i < Images.Count; i++)
        {
            acc += Images[i].PixelCount;
            if (bounds.Count < parts && acc * parts >= PixelCount * bounds.Count && i + 1 < Images.Count) bounds.Add(i + 1);
        }
        bounds.Add(Images.Count);
        return [.. bounds];
    }
}
