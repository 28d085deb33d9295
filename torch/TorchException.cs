namespace AnomalyBench.Torch;

/// <summary>An error reported by libtorch or the bridge; the message carries libtorch's own text and the op name.</summary>
public class TorchException : Exception
{
    public TorchException(string message) : base(message) { }

    public TorchException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>libtorch could not allocate memory (host or device). Lower the batch size or image size, or free tensors.</summary>
public sealed class TorchOutOfMemoryException : TorchException
{
    public TorchOutOfMemoryException(string message) : base(message) { }
}
