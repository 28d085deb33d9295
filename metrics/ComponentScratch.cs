namespace AnomalyBench.Metrics;

/// <summary>
/// Reusable buffers of one worker labelling many masks one after another, so that a pass
/// over thousands of images allocates per worker, not per image.
/// </summary>
internal sealed class ComponentScratch
{
    private int[] _parent = [];
    private int[] _sizes = [];
    private int[] _labels = [];

    /// <summary>Component sizes of the last labelling, indexed by label (index 0 unused).</summary>
    public int[] Sizes => _sizes;

    public int[] Parent(int length)
    {
        if (_parent.Length < length) _parent = new int[Math.Max(length, _parent.Length * 2)];
        return _parent;
    }

    public int[] Labels(int length)
    {
        if (_labels.Length < length) _labels = new int[length];
        return _labels;
    }

    public int[] ResetSizes(int length)
    {
        if (_sizes.Length < length) _sizes = new int[Math.Max(length, _sizes.Length * 2)];
        else Array.Clear(_sizes, 0, length);
        return _sizes;
    }
}
