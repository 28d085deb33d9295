namespace AnomalyBench.Methods.Backbones;

/// <summary>Weights that cannot be used: not found, unreadable, or not fitting the network. The message says what to do.</summary>
public class WeightsException : Exception
{
    public WeightsException(string message) : base(message)
    {
    }

    public WeightsException(string message, Exception inner) : base(message, inner)
    {
    }
}
