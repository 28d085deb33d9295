using System.Text;

namespace AnomalyBench.Torch.Modules;

/// <summary>
/// PyTorch's <c>nn.Module</c>: named parameters, buffers and child modules, registered
/// explicitly (C# has no <c>__setattr__</c>). The names form the state-dict keys
/// (<c>layer1.0.conv1.weight</c>), so torchvision state dicts load unchanged.
/// A module owns what is registered in it: registering takes tensors out of every
/// dispose scope, replacing an entry disposes the old one, and <see cref="Dispose()"/>
/// frees parameters, buffers and children.
/// </summary>
public abstract class Module : IDisposable
{
    private readonly OrderedDictionary<string, Tensor?> _parameters = new(StringComparer.Ordinal);
    private readonly OrderedDictionary<string, Tensor?> _buffers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _nonPersistentBuffers = new(StringComparer.Ordinal);
    private readonly OrderedDictionary<string, Module?> _modules = new(StringComparer.Ordinal);
    private bool _disposed;

    /// <summary>True in training mode (the default), false after <see cref="eval"/>.</summary>
    public bool training { get; private set; } = true;

    // Registration ------------------------------------------------------------

    /// <summary>
    /// Adds (or replaces) a parameter. A null parameter is recorded but has no state-dict entry
    /// (PyTorch's <c>bias=None</c>). The tensor gets <paramref name="requires_grad"/> (what
    /// <c>nn.Parameter(t, requires_grad)</c> does) and leaves every dispose scope.
    /// </summary>
    public void register_parameter(string name, Tensor? param, bool requires_grad = true)
    {
        CheckName(name, _parameters);
        if (param is not null)
        {
            param.DetachFromDisposeScope();
            if (param.requires_grad != requires_grad) param.requires_grad = requires_grad;
        }
        Replace(_parameters, name, param);
    }

    /// <summary>Adds (or replaces) a buffer; non-persistent buffers are left out of <see cref="state_dict"/>.</summary>
    public void register_buffer(string name, Tensor? tensor, bool persistent = true)
    {
        CheckName(name, _buffers);
        tensor?.DetachFromDisposeScope();
        Replace(_buffers, name, tensor);
        if (persistent) _nonPersistentBuffers.Remove(name);
        else _nonPersistentBuffers.Add(name);
    }

    /// <summary>Adds (or replaces) a child module; its name is the key prefix of its state.</summary>
    public void register_module(string name, Module? module)
    {
        if (ReferenceEquals(module, this)) throw new ArgumentException("a module cannot be its own child", nameof(module));
        CheckName(name, _modules);
        if (_modules.TryGetValue(name, out var old) && old is not null && !ReferenceEquals(old, module)) old.Dispose();
        _modules[name] = module;
    }

    private void CheckName<T>(string name, OrderedDictionary<string, T> own)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('.')) throw new ArgumentException($"module attribute name '{name}' cannot contain '.'", nameof(name));
        if ((!ReferenceEquals(own, _parameters) && _parameters.ContainsKey(name))
            || (!ReferenceEquals(own, _buffers) && _buffers.ContainsKey(name))
            || (!ReferenceEquals(own, _modules) && _modules.ContainsKey(name)))
            throw new ArgumentException($"{GetType().Name} already has an attribute named '{name}'", nameof(name));
    }

    private static void Replace(OrderedDictionary<string, Tensor?> entries, string name, Tensor? tensor)
    {
        if (entries.TryGetValue(name, out var old) && old is not null && !ReferenceEquals(old, tensor)) old.Dispose();
        entries[name] = tensor;
    }

    /// <summary>This module's own parameter <paramref name="name"/>, or null when it is None or absent (for layers' typed properties).</summary>
    protected Tensor? GetParameterOrNull(string name) => _parameters.TryGetValue(name, out var t) ? t : null;

    /// <summary>This module's own buffer <paramref name="name"/>, or null when it is None or absent.</summary>
    protected Tensor? GetBufferOrNull(string name) => _buffers.TryGetValue(name, out var t) ? t : null;

    /// <summary>The parameter at a dotted path (<c>layer1.0.conv1.weight</c>); throws when absent or None. The module owns it: do not dispose it.</summary>
    public Tensor get_parameter(string target)
    {
        var (owner, name) = Owner(target);
        return owner._parameters.TryGetValue(name, out var t) && t is not null
            ? t
            : throw new ArgumentException($"{owner.GetType().Name} has no parameter '{name}' (looking up '{target}')", nameof(target));
    }

    /// <summary>The buffer at a dotted path (<c>bn1.running_mean</c>); throws when absent or None. The module owns it: do not dispose it.</summary>
    public Tensor get_buffer(string target)
    {
        var (owner, name) = Owner(target);
        return owner._buffers.TryGetValue(name, out var t) && t is not null
            ? t
            : throw new ArgumentException($"{owner.GetType().Name} has no buffer '{name}' (looking up '{target}')", nameof(target));
    }

    /// <summary>The descendant module at a dotted path (<c>layer1.0</c>); the empty path is this module.</summary>
    public Module get_submodule(string target)
    {
        var module = this;
        if (target.Length == 0) return module;
        foreach (var part in target.Split('.'))
        {
            if (!module._modules.TryGetValue(part, out var child) || child is null)
                throw new ArgumentException($"{module.GetType().Name} has no submodule '{part}' (looking up '{target}')", nameof(target));
            module = child;
        }
        return module;
    }

    private (Module owner, string name) Owner(string target)
    {
        var dot = target.LastIndexOf('.');
        return dot < 0 ? (this, target) : (get_submodule(target[..dot]), target[(dot + 1)..]);
    }

    // Traversal ----------------------------------------------------------------

    /// <summary>Parameters with dotted names: own first, then each descendant in registration order; shared tensors once. The module owns them.</summary>
    public IEnumerable<(string name, Tensor parameter)> named_parameters(bool recurse = true) => NamedTensors(m => m._parameters, recurse);

    public IEnumerable<Tensor> parameters(bool recurse = true) => named_parameters(recurse).Select(p => p.parameter);

    /// <summary>Buffers with dotted names, persistent or not (as PyTorch's <c>named_buffers</c>).</summary>
    public IEnumerable<(string name, Tensor buffer)> named_buffers(bool recurse = true) => NamedTensors(m => m._buffers, recurse);

    public IEnumerable<Tensor> buffers(bool recurse = true) => named_buffers(recurse).Select(b => b.Item2);

    private IEnumerable<(string, Tensor)> NamedTensors(Func<Module, OrderedDictionary<string, Tensor?>> select, bool recurse)
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        IEnumerable<(string, Module)> modules = recurse ? named_modules() : [("", this)];
        foreach (var (prefix, module) in modules)
        {
            foreach (var (name, tensor) in select(module))
            {
                if (tensor is not null && seen.Add(tensor)) yield return (Join(prefix, name), tensor);
            }
        }
    }

    /// <summary>The direct children (None entries skipped).</summary>
    public IEnumerable<(string name, Module module)> named_children()
    {
        var seen = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        foreach (var (name, child) in _modules)
        {
            if (child is not null && seen.Add(child)) yield return (name, child);
        }
    }

    public IEnumerable<Module> children() => named_children().Select(c => c.module);

    /// <summary>This module (named <paramref name="prefix"/>, "" by default) and every descendant, depth first; shared modules once.</summary>
    public IEnumerable<(string name, Module module)> named_modules(string prefix = "")
    {
        var seen = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(string, Module)>();
        stack.Push((prefix, this));
        while (stack.Count > 0)
        {
            var (name, module) = stack.Pop();
            if (!seen.Add(module)) continue;
            yield return (name, module);
            for (var k = module._modules.Count - 1; k >= 0; k--)
            {
                var (childName, child) = module._modules.GetAt(k);
                if (child is not null) stack.Push((Join(name, childName), child));
            }
        }
    }

    public IEnumerable<Module> modules() => named_modules().Select(m => m.module);

    /// <summary>Calls <paramref name="fn"/> on every descendant, then on this module (PyTorch's order, e.g. for custom initialisation).</summary>
    public void apply(Action<Module> fn)
    {
        foreach (var child in children()) child.apply(fn);
        fn(this);
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : $"{prefix}.{name}";

    // Modes, gradients, devices -------------------------------------------------

    /// <summary>Sets training mode on this module and every descendant; override to pin a part in eval mode (then call base).</summary>
    public virtual void train(bool mode = true)
    {
        training = mode;
        foreach (var child in children()) child.train(mode);
    }

    public void eval() => train(false);

    internal void SetRequiresGrad(bool requires_grad)
    {
        foreach (var p in parameters())
        {
            if (p.requires_grad != requires_grad) p.requires_grad = requires_grad;
        }
    }

    /// <summary>Drops (default, as PyTorch 2.x) or zeroes every parameter's gradient.</summary>
    public void zero_grad(bool set_to_none = true) => Tensor.zero_grad(parameters(), set_to_none);

    /// <summary>
    /// Moves parameters and buffers to <paramref name="device"/> and converts the floating-point ones to
    /// <paramref name="dtype"/>, in place: each tensor keeps its identity (<c>param.data = ...</c>), so
    /// optimizers and references taken before stay valid. Gradients follow their parameters.
    /// </summary>
    internal void ConvertTensors(Device? device, ScalarType? dtype)
    {
        if (dtype is { } d && !d.IsFloatingPoint())
            throw new ArgumentException($"Module.to only accepts floating-point dtypes, got {d}", nameof(dtype));
        using var noGrad = torch.no_grad();
        foreach (var module in modules())
        {
            foreach (var p in module._parameters.Values) Convert(p, device, dtype, withGrad: true);
            foreach (var b in module._buffers.Values) Convert(b, device, dtype, withGrad: false);
        }
    }

    private static void Convert(Tensor? t, Device? device, ScalarType? dtype, bool withGrad)
    {
        if (t is null) return;
        if (!NeedsConversion(t, device, dtype, out var targetDevice, out var targetType)) return;
        using (var converted = t.to(targetDevice, targetType)) t.set_data(converted);
        if (!withGrad) return;
        using var g = t.grad;
        if (g is null) return;
        using var gc = g.to(targetDevice, targetType);
        t.grad = gc;
    }

    private static bool NeedsConversion(Tensor t, Device? device, ScalarType? dtype, out Device targetDevice, out ScalarType targetType)
    {
        var current = t.device;
        var type = t.dtype;
        targetType = dtype is { } d && type.IsFloatingPoint() ? d : type;
        targetDevice = device ?? current;
        var sameDevice = targetDevice.Type == current.Type && (targetDevice.Index < 0 || current.Index < 0 || targetDevice.Index == current.Index);
        if (sameDevice) targetDevice = current;
        return !sameDevice || targetType != type;
    }

    // State dict ------------------------------------------------------------------

    /// <summary>
    /// Parameters and persistent buffers under dotted keys, in PyTorch's order (own parameters,
    /// own buffers, then each child). The tensors are detached copies owned by the returned
    /// <see cref="StateDict"/>: later training does not change them.
    /// </summary>
    public StateDict state_dict()
    {
        var result = new StateDict();
        try
        {
            using var noGrad = torch.no_grad();
            SaveTo(result, "");
        }
        catch
        {
            result.Dispose();
            throw;
        }
        return result;
    }

    private void SaveTo(StateDict target, string prefix)
    {
        foreach (var (name, tensor) in LocalState())
        {
            using var detached = tensor.detach();
            target.Add(prefix + name, detached.clone());
        }
        foreach (var (name, child) in _modules)
            child?.SaveTo(target, prefix + name + ".");
    }

    private IEnumerable<(string, Tensor)> LocalState()
    {
        foreach (var (name, p) in _parameters)
        {
            if (p is not null) yield return (name, p);
        }
        foreach (var (name, b) in _buffers)
        {
            if (b is not null && !_nonPersistentBuffers.Contains(name)) yield return (name, b);
        }
    }

    /// <summary>
    /// State keys a checkpoint may lack without being reported missing. BatchNorm's
    /// <c>num_batches_tracked</c> is one: checkpoints older than PyTorch 0.4.1 (early torchvision
    /// weights among them) do not have it, and PyTorch accepts them.
    /// </summary>
    protected virtual bool IsOptionalStateKey(string name) => false;

    /// <summary>
    /// Copies <paramref name="state_dict"/> into this module's parameters and persistent buffers, in
    /// place under no_grad (converted to each tensor's dtype, on its device). Shape mismatches are
    /// always an error; with <paramref name="strict"/> missing and unexpected keys are too, and one
    /// <see cref="StateDictLoadException"/> lists every problem. Otherwise they are returned.
    /// </summary>
    public LoadStateDictResult load_state_dict(IReadOnlyDictionary<string, Tensor> state_dict, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(state_dict);
        var missing = new List<string>();
        var errors = new List<string>();
        var expected = new HashSet<string>(StringComparer.Ordinal);
        using (torch.no_grad()) LoadFrom(state_dict, "", expected, missing, errors);
        var unexpected = state_dict.Keys.Where(k => !expected.Contains(k)).ToList();
        if (strict)
        {
            if (unexpected.Count > 0) errors.Insert(0, $"Unexpected key(s) in state_dict: {Quote(unexpected)}.");
            if (missing.Count > 0) errors.Insert(0, $"Missing key(s) in state_dict: {Quote(missing)}.");
        }
        if (errors.Count > 0)
            throw new StateDictLoadException($"Error(s) in loading state_dict for {GetType().Name}:\n\t{string.Join("\n\t", errors)}",
                strict ? missing : [], strict ? unexpected : [], errors);
        return new LoadStateDictResult(missing, unexpected);
    }

    // Recurses without de-duplicating shared children, as PyTorch does, so a shared module is loaded under each of its names.
    private void LoadFrom(IReadOnlyDictionary<string, Tensor> source, string prefix, HashSet<string> expected, List<string> missing, List<string> errors)
    {
        foreach (var (name, target) in LocalState())
        {
            var key = prefix + name;
            expected.Add(key);
            if (!source.TryGetValue(key, out var value))
            {
                if (!IsOptionalStateKey(name)) missing.Add(key);
                continue;
            }
            var from = value.shape;
            var to = target.shape;
            if (!from.AsSpan().SequenceEqual(to))
            {
                errors.Add($"size mismatch for {key}: copying a param with shape {Shape(from)} from checkpoint, the shape in current model is {Shape(to)}.");
                continue;
            }
            try
            {
                target.copy_(value);
            }
            catch (TorchException e)
            {
                errors.Add($"While copying the parameter named \"{key}\", whose dimensions in the model are {Shape(to)} and whose dimensions in the checkpoint are {Shape(from)}, an exception occurred: {e.Message}");
            }
        }
        foreach (var (name, child) in _modules)
            child?.LoadFrom(source, prefix + name + ".", expected, missing, errors);
    }

    private static string Quote(IEnumerable<string> keys) => string.Join(", ", keys.Select(k => $"\"{k}\""));

    internal static string Shape(long[] shape) => $"[{string.Join(", ", shape)}]";

    /// <summary>A number as Python's repr writes it in PyTorch's module printouts (1e-05, 0.1).</summary>
    internal static string Py(double v) => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture).Replace('E', 'e');

    // Display and disposal ---------------------------------------------------------

    /// <summary>The module tree, one line per module, like PyTorch's <c>print(model)</c>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        Describe(sb, "", 0);
        return sb.ToString();
    }

    /// <summary>The text between the parentheses of this module's line, e.g. <c>3, 64, kernel_size=(7, 7)</c>.</summary>
    protected virtual string extra_repr() => "";

    private void Describe(StringBuilder sb, string name, int depth)
    {
        var indent = new string(' ', 2 * depth);
        sb.Append(indent);
        if (name.Length > 0) sb.Append('(').Append(name).Append("): ");
        sb.Append(GetType().Name).Append('(').Append(extra_repr());
        var kids = named_children().ToList();
        if (kids.Count == 0)
        {
            sb.Append(')');
            return;
        }
        foreach (var (childName, child) in kids)
        {
            sb.Append('\n');
            child.Describe(sb, childName, depth + 1);
        }
        sb.Append('\n').Append(indent).Append(')');
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees parameters, buffers and children; override to free other native state (then call base).</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (_disposed || !disposing) return;
        _disposed = true;
        foreach (var p in _parameters.Values) p?.Dispose();
        foreach (var b in _buffers.Values) b?.Dispose();
        foreach (var m in _modules.Values) m?.Dispose();
    }
}

/// <summary>A module with one input and one output; <see cref="forward"/> returns a tensor the caller owns (never the input object).</summary>
public abstract class Module<TInput, TOutput> : Module
{
    public abstract TOutput forward(TInput input);

    /// <summary>Runs the module (TorchSharp's and PyTorch's <c>module(x)</c>).</summary>
    public TOutput call(TInput input) => forward(input);
}

/// <summary>A module with two inputs and one output.</summary>
public abstract class Module<TInput1, TInput2, TOutput> : Module
{
    public abstract TOutput forward(TInput1 input1, TInput2 input2);

    public TOutput call(TInput1 input1, TInput2 input2) => forward(input1, input2);
}

/// <summary>What a non-strict <see cref="Module.load_state_dict"/> did not match (PyTorch's <c>_IncompatibleKeys</c>).</summary>
public sealed record LoadStateDictResult(IReadOnlyList<string> missing_keys, IReadOnlyList<string> unexpected_keys);

/// <summary>A state dict does not fit a module; the message lists every missing, unexpected and mismatched key.</summary>
public sealed class StateDictLoadException : TorchException
{
    public StateDictLoadException(string message, IReadOnlyList<string> missingKeys, IReadOnlyList<string> unexpectedKeys, IReadOnlyList<string> errors)
        : base(message)
    {
        MissingKeys = missingKeys;
        UnexpectedKeys = unexpectedKeys;
        Errors = errors;
    }

    public IReadOnlyList<string> MissingKeys { get; }
    public IReadOnlyList<string> UnexpectedKeys { get; }

    /// <summary>One line per problem, as in the message.</summary>
    public IReadOnlyList<string> Errors { get; }
}
