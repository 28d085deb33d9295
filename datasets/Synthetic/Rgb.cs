namespace AnomalyBench.Datasets;

/// <summary>A linear colour in [0,1] per channel for the synthetic renderer.</summary>
internal readonly record struct Rgb(float R, float G, float B)
{
    public static Rgb operator *(Rgb c, float k) => new(c.R * k, c.G * k, c.B * k);

    public static Rgb operator *(Rgb a, Rgb b) => new(a.R * b.R, a.G * b.G, a.B * b.B);

    public static Rgb operator +(Rgb a, Rgb b) => new(a.R + b.R, a.G + b.G, a.B + b.B);

    public static Rgb Lerp(Rgb a, Rgb b, float t) => new(a.R + (b.R - a.R) * t, a.G + (b.G - a.G) * t, a.B + (b.B - a.B) * t);

    /// <summary>The same colour with every channel scaled by a random factor in [1 − amount, 1 + amount].</summary>
    public Rgb Jitter(SyntheticRandom random, float amount) =>
        new(R * random.Uniform(1 - amount, 1 + amount), G * random.Uniform(1 - amount, 1 + amount), B * random.Uniform(1 - amount, 1 + amount));
}
