namespace AnomalyBench.Harness.Runs;

/// <summary>One run of the sweep: a method's result on one category of one data set for one seed.</summary>
public sealed record RunKey(string Dataset, string Category, string Method, int Seed)
{
    public override string ToString() => $"{Dataset}/{Category}/{Method}/seed{Seed}";
}
