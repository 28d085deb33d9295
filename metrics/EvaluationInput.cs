namespace AnomalyBench.Metrics;

/// <summary>
/// What one evaluation of a set (one category) needs: anomaly maps [Count, Height, Width],
/// ground-truth masks of the same shape (0/1), image labels [Count] (1 = anomalous) and,
/// optionally, image scores [Count]; without scores each image scores the max of its map
/// (the MVTec AD protocol). Build it with <see cref="FromShapes"/> when the arrays come with
/// shapes (tensors, safetensors files): it checks that the shapes agree and names the one that
/// does not.
/// </summary>
public sealed record EvaluationInput
{
    public required float[] Maps { get; init; }
    public required byte[] Masks { get; init; }
    public required byte[] Labels { get; init; }
    public float[]? Scores { get; init; }
    public required int Count { get; init; }
    public required int Height { get; init; }
    public required int Width { get; init; }

    public static EvaluationInput FromShapes(
        float[] maps, IReadOnlyList<long> mapsShape,
        byte[] masks, IReadOnlyList<long> masksShape,
        byte[] labels, IReadOnlyList<long> labelsShape,
        float[]? scores = null, IReadOnlyList<long>? scoresShape = null)
    {
        ArgumentNullException.ThrowIfNull(maps);
        ArgumentNullException.ThrowIfNull(masks);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(mapsShape);
        ArgumentNullException.ThrowIfNull(masksShape);
        ArgumentNullException.ThrowIfNull(labelsShape);
        if (mapsShape.Count != 3)
            throw new ArgumentException($"maps must be [N, H, W]; got shape {Show(mapsShape)}", "maps");
        if (!masksShape.SequenceEqual(mapsShape))
            throw new ArgumentException($"masks has shape {Show(masksShape)} but maps has {Show(mapsShape)}; shapes disagree", "masks");
        if (labelsShape.Count != 1 || labelsShape[0] != mapsShape[0])
            throw new ArgumentException($"labels has shape {Show(labelsShape)} but maps has {mapsShape[0]} images; expected [{mapsShape[0]}]", "labels");
        if (scores is not null)
        {
            var shape = scoresShape ?? [scores.Length];
            if (shape.Count != 1 || shape[0] != mapsShape[0])
                throw new ArgumentException($"scores has shape {Show(shape)} but maps has {mapsShape[0]} images; expected [{mapsShape[0]}]", "scores");
        }
        var input = new EvaluationInput
        {
            Maps = maps, Masks = masks, Labels = labels, Scores = scores,
            Count = checked((int)mapsShape[0]), Height = checked((int)mapsShape[1]), Width = checked((int)mapsShape[2]),
        };
        input.CheckLengths();
        return input;
    }

    /// <summary>Throws if an array's length disagrees with Count×Height×Width, naming the array.</summary>
    internal void CheckLengths()
    {
        ArgumentNullException.ThrowIfNull(Maps, "maps");
        ArgumentNullException.ThrowIfNull(Masks, "masks");
        ArgumentNullException.ThrowIfNull(Labels, "labels");
        ArgumentOutOfRangeException.ThrowIfNegative(Count);
        ArgumentOutOfRangeException.ThrowIfNegative(Height);
        ArgumentOutOfRangeException.ThrowIfNegative(Width);
        var pixels = (long)Count * Height * Width;
        if (Maps.Length != pixels)
            throw new ArgumentException($"maps has {Maps.Length} values but [{Count}, {Height}, {Width}] needs {pixels}", "maps");
        if (Masks.Length != pixels)
            throw new ArgumentException($"masks has {Masks.Length} values but maps is [{Count}, {Height}, {Width}] = {pixels}; shapes disagree", "masks");
        if (Labels.Length != Count)
            throw new ArgumentException($"labels has {Labels.Length} values but there are {Count} images", "labels");
        if (Scores is { } s && s.Length != Count)
            throw new ArgumentException($"scores has {s.Length} values but there are {Count} images", "scores");
    }

    private static string Show(IReadOnlyList<long> shape) => $"[{string.Join(", ", shape)}]";
}
