namespace AnomalyBench.Torch;

/// <summary>
/// Frees, when disposed, every tensor created on this thread while it was the
/// innermost scope, except those moved out with <see cref="Tensor.MoveToOuterDisposeScope"/>
/// or <see cref="Tensor.DetachFromDisposeScope"/>. Training loops open one per step so that
/// native memory does not grow with the number of iterations (TorchSharp's model).
/// </summary>
public sealed class DisposeScope : IDisposable
{
    [ThreadStatic] private static DisposeScope? t_current;

    private readonly HashSet<Tensor> _tensors = new(ReferenceEqualityComparer.Instance);
    private bool _disposed;

    internal DisposeScope()
    {
        Outer = t_current;
        t_current = this;
    }

    internal DisposeScope? Outer { get; }

    internal static DisposeScope? Current => t_current;

    /// <summary>Number of tensors this scope would free now.</summary>
    public int Count => _tensors.Count;

    internal void Add(Tensor tensor)
    {
        _tensors.Add(tensor);
        tensor.Scope = this;
    }

    internal void Remove(Tensor tensor)
    {
        _tensors.Remove(tensor);
        tensor.Scope = null;
    }

    /// <summary>Moves the given tensors to the enclosing scope (or out of all scopes) and returns the first.</summary>
    public T MoveToOuter<T>(T tensor) where T : Tensor
    {
        tensor.MoveToOuterDisposeScope();
        return tensor;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (!ReferenceEquals(t_current, this))
            throw new InvalidOperationException("dispose scopes must be disposed in the reverse order of their creation");
        t_current = Outer;
        foreach (var tensor in _tensors)
        {
            tensor.Scope = null;
            tensor.Dispose();
        }
        _tensors.Clear();
    }
}
