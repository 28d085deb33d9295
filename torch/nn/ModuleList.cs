namespace AnomalyBench.Torch.Modules;

/// <summary>
/// PyTorch's <c>nn.ModuleList</c>: a list of modules registered as children "0", "1", … so that their parameters
/// appear in the owner's state dict (<c>out1.0.weight</c>); unlike <see cref="Sequential"/> it has no forward pass.
/// </summary>
public sealed class ModuleList : Module
{
    private readonly List<Module> _items = [];

    public ModuleList()
    {
    }

    public ModuleList(params Module[] modules)
    {
        foreach (var m in modules) append(m);
    }

    public int Count => _items.Count;

    public Module this[int index] => _items[index < 0 ? index + _items.Count : index];

    /// <summary>Adds a module at the end, named by its position.</summary>
    public ModuleList append(Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        register_module(_items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module);
        _items.Add(module);
        return this;
    }
}
