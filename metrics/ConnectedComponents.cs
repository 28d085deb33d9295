namespace AnomalyBench.Metrics;

/// <summary>
/// Connected components of a binary mask, numbered 1..n in raster order of their first
/// pixel (background 0), as <c>scipy.ndimage.label</c> numbers them. Two-pass union-find:
/// the first pass gives each foreground pixel a provisional label and records which
/// provisional labels touch, the second resolves them.
/// </summary>
public static class ConnectedComponents
{
    /// <summary>Labels the components of <paramref name="mask"/> (row-major, non-zero = foreground) into <paramref name="labels"/>; returns their number.</summary>
    public static int Label(ReadOnlySpan<byte> mask, int height, int width, Span<int> labels, Connectivity connectivity = Connectivity.Eight)
    {
        var scratch = new ComponentScratch();
        return Label(mask, height, width, labels, connectivity, scratch);
    }

    /// <summary>The size in pixels of each component: <c>sizes[k - 1]</c> for label k.</summary>
    public static int[] Sizes(ReadOnlySpan<int> labels, int count)
    {
        var sizes = new int[count];
        foreach (var l in labels)
            if (l > 0) sizes[l - 1]++;
        return sizes;
    }

    /// <summary>As <see cref="Label(ReadOnlySpan{byte}, int, int, Span{int}, Connectivity)"/>, reusing scratch memory; also fills <see cref="ComponentScratch.Sizes"/> (index = label).</summary>
    internal static int Label(ReadOnlySpan<byte> mask, int height, int width, Span<int> labels, Connectivity connectivity, ComponentScratch scratch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        var n = checked(height * width);
        if (mask.Length != n) throw new ArgumentException($"mask has {mask.Length} values, expected {height}x{width} = {n}", nameof(mask));
        if (labels.Length < n) throw new ArgumentException($"labels has {labels.Length} values, expected at least {n}", nameof(labels));
        if (connectivity is not (Connectivity.Four or Connectivity.Eight))
            throw new ArgumentOutOfRangeException(nameof(connectivity), connectivity, "connectivity must be Four or Eight");

        // A new provisional label starts only at a pixel without labelled earlier neighbours;
        // with either neighbourhood that is at most every other pixel (a checkerboard).
        var parent = scratch.Parent(n / 2 + 2);
        var eight = connectivity == Connectivity.Eight;
        var next = 0;

        for (var y = 0; y < height; y++)
        {
            var row = y * width;
            for (var x = 0; x < width; x++)
            {
                var i = row + x;
                if (mask[i] == 0)
                {
                    labels[i] = 0;
                    continue;
                }
                var current = 0;
                if (x > 0) current = Merge(parent, current, labels[i - 1]);
                if (y > 0)
                {
                    current = Merge(parent, current, labels[i - width]);
                    if (eight)
                    {
                        if (x > 0) current = Merge(parent, current, labels[i - width - 1]);
                        if (x + 1 < width) current = Merge(parent, current, labels[i - width + 1]);
                    }
                }
                if (current == 0)
                {
                    current = ++next;
                    parent[current] = current;
                }
                labels[i] = current;
            }
        }

        // Union always links the larger root under the smaller one and path halving keeps
        // parent[l] <= l, so one ascending sweep turns parents into final component ids.
        var count = 0;
        for (var l = 1; l <= next; l++)
        {
            var p = parent[l];
            parent[l] = p == l ? ++count : parent[p];
        }

        var sizes = scratch.ResetSizes(count + 1);
        for (var i = 0; i < n; i++)
        {
            var l = labels[i];
            if (l == 0) continue;
            var c = parent[l];
            labels[i] = c;
            sizes[c]++;
        }
        return count;
    }

    private static int Merge(int[] parent, int current, int neighbour)
    {
        if (neighbour == 0) return current;
        if (current == 0) return neighbour;
        if (current == neighbour) return current;
        var a = Find(parent, current);
        var b = Find(parent, neighbour);
        if (a == b) return a;
        if (a < b)
        {
            parent[b] = a;
            return a;
        }
        parent[a] = b;
        return b;
    }

    private static int Find(int[] parent, int l)
    {
        while (parent[l] != l)
        {
            parent[l] = parent[parent[l]];
            l = parent[l];
        }
        return l;
    }
}
