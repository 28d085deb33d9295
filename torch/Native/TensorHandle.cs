using System.Runtime.InteropServices;

namespace AnomalyBench.Torch.Native;

/// <summary>Owns one heap-allocated at::Tensor of the shim; freed exactly once, even from the finalizer.</summary>
internal sealed class TensorHandle : SafeHandle
{
    public TensorHandle(IntPtr handle) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(handle);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        NativeMethods.abt_tensor_free(handle);
        return true;
    }
}
