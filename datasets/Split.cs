namespace AnomalyBench.Datasets;

/// <summary>Which part of a category: the normal training images or the test images.</summary>
public enum Split
{
    Train,
    Test,
}
