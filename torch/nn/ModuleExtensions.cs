namespace AnomalyBench.Torch.Modules;

/// <summary>
/// Module methods that return the module itself, typed as the caller's module
/// (PyTorch returns <c>self</c>; TorchSharp uses the same extension-method pattern).
/// </summary>
public static class ModuleExtensions
{
    /// <summary>Moves parameters and buffers to <paramref name="device"/>, keeping each tensor's identity.</summary>
    public static T to<T>(this T module, Device device) where T : Module
    {
        module.ConvertTensors(device, null);
        return module;
    }

    /// <summary>Converts floating-point parameters and buffers to <paramref name="dtype"/>, keeping each tensor's identity.</summary>
    public static T to<T>(this T module, ScalarType dtype) where T : Module
    {
        module.ConvertTensors(null, dtype);
        return module;
    }

    public static T to<T>(this T module, Device device, ScalarType dtype) where T : Module
    {
        module.ConvertTensors(device, dtype);
        return module;
    }

    public static T cpu<T>(this T module) where T : Module => module.to(Device.CPU);

    public static T cuda<T>(this T module, int index = 0) where T : Module => module.to(Device.CUDA(index));

    public static T @float<T>(this T module) where T : Module => module.to(ScalarType.Float32);

    public static T @double<T>(this T module) where T : Module => module.to(ScalarType.Float64);

    /// <summary>Sets requires_grad on every parameter: false freezes the module (PyTorch's <c>module.requires_grad_(False)</c>).</summary>
    public static T requires_grad_<T>(this T module, bool requires_grad = true) where T : Module
    {
        module.SetRequiresGrad(requires_grad);
        return module;
    }
}
