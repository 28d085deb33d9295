namespace AnomalyBench.Torch;

/// <summary>A number passed to an op's Scalar argument; integers stay integers so integer tensors keep their type.</summary>
public readonly struct Scalar
{
    internal readonly bool IsInteger;
    internal readonly long IntValue;
    internal readonly double DoubleValue;

    private Scalar(long value)
    {
        IsInteger = true;
        IntValue = value;
        DoubleValue = value;
    }

    private Scalar(double value)
    {
        IsInteger = false;
        IntValue = 0;
        DoubleValue = value;
    }

    public static implicit operator Scalar(int value) => new(value);
    public static implicit operator Scalar(long value) => new(value);
    public static implicit operator Scalar(float value) => new((double)value);
    public static implicit operator Scalar(double value) => new(value);

    public override string ToString() => IsInteger ? IntValue.ToString() : DoubleValue.ToString("R");
}
