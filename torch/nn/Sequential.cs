namespace AnomalyBench.Torch.Modules;

/// <summary>
/// PyTorch's <c>nn.Sequential</c>: children named "0", "1", … (or given names), run in order.
/// Intermediate outputs are disposed as soon as the next module has consumed them.
/// </summary>
public sealed class Sequential : Module<Tensor, Tensor>
{
    public Sequential()
    {
    }

    public Sequential(params Module<Tensor, Tensor>[] modules)
    {
        foreach (var m in modules) append(m);
    }

    public Sequential(params (string name, Module<Tensor, Tensor> module)[] modules)
    {
        foreach (var (name, module) in modules) register_module(name, module);
    }

    public int Count => children().Count();

    public Module<Tensor, Tensor> this[int index] => Layers().ElementAt(index < 0 ? index + Count : index);

    /// <summary>Adds a module at the end, named by its position.</summary>
    public Sequential append(Module<Tensor, Tensor> module)
    {
        register_module(Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module);
        return this;
    }

    private IEnumerable<Module<Tensor, Tensor>> Layers() =>
        named_children().Select(c => c.module as Module<Tensor, Tensor>
            ?? throw new InvalidOperationException($"Sequential child '{c.name}' ({c.module.GetType().Name}) is not a Module<Tensor, Tensor>"));

    public override Tensor forward(Tensor input)
    {
        var x = input;
        foreach (var layer in Layers())
        {
            var y = layer.call(x);
            if (!ReferenceEquals(x, input) && !ReferenceEquals(x, y)) x.Dispose();
            x = y;
        }
        return ReferenceEquals(x, input) ? input.alias() : x;
    }
}
