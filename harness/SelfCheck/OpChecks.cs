using AnomalyBench.Torch;
using F = AnomalyBench.Torch.torch.nn.functional;

namespace AnomalyBench.Harness.SelfCheck;

/// <summary>
/// Every op the methods use, run from the same seeded CPU inputs on CPU and on the target device (issue 22). Each
/// entry states its tolerance on the relative error (<see cref="OpCheck"/>): 0 where the result is selected, not
/// computed (nearest, topk, median, unfold); 1e-5 to 1e-4 for float32 element-wise and sampling ops; 1e-3 for sums
/// whose order differs between CPU and CUDA kernels (cdist, matmul: libtorch keeps TF32 off for matmul); 5e-3 for
/// convolutions, which cuDNN runs in TF32 by default on Ampere and later (torch.backends.cudnn.allow_tf32 = True,
/// a 10-bit mantissa). On CPU against CPU every error is 0: the same kernels on the same inputs.
/// </summary>
internal static class OpChecks
{
    /// <summary>One op: a name, its tolerance and a function from inputs (already on the device) to a result.</summary>
    private sealed record Op(string Name, double Tolerance, Func<Device, Tensor> Run);

    /// <param name="tolerance">maps (op name, stated tolerance) to the one applied; null keeps the stated ones (tests force failures with it).</param>
    public static IReadOnlyList<OpCheck> Run(Device device, Func<string, double, double>? tolerance = null)
    {
        var results = new List<OpCheck>();
        foreach (var op in Ops())
        {
            var applied = tolerance?.Invoke(op.Name, op.Tolerance) ?? op.Tolerance;
            try
            {
                using var reference = Evaluate(op, Device.CPU);
                using var result = Evaluate(op, device);
                var error = RelativeError(reference, result);
                results.Add(new OpCheck(op.Name, applied, error, error <= applied));
            }
            catch (Exception e) when (e is TorchException or ArgumentException or InvalidOperationException)
            {
                results.Add(new OpCheck(op.Name, applied, double.NaN, false, e.Message));
            }
        }
        return results;
    }

    /// <summary>Runs an op on <paramref name="device"/> and returns its result on CPU as float32.</summary>
    private static Tensor Evaluate(Op op, Device device)
    {
        using var scope = torch.NewDisposeScope();
        var result = op.Run(device).to(Device.CPU, ScalarType.Float32);
        return result.DetachFromDisposeScope();
    }

    /// <summary>max |a - b| / (max |a| + 1e-12); NaN anywhere counts as an infinite error.</summary>
    public static double RelativeError(Tensor reference, Tensor result)
    {
        if (!reference.shape.SequenceEqual(result.shape)) return double.PositiveInfinity;
        var a = reference.data<float>();
        var b = result.data<float>();
        double diff = 0, scale = 0;
        for (var i = 0; i < a.Length; i++)
        {
            if (float.IsNaN(a[i]) || float.IsNaN(b[i])) return double.PositiveInfinity;
            diff = Math.Max(diff, Math.Abs((double)a[i] - b[i]));
            scale = Math.Max(scale, Math.Abs((double)a[i]));
        }
        return diff / (scale + 1e-12);
    }

    /// <summary>A seeded standard-normal tensor made on CPU (the same numbers for both runs) and moved to the device.</summary>
    private static Tensor Randn(Device device, ulong seed, params long[] shape)
    {
        torch.manual_seed(seed);
        using var cpu = torch.randn(shape);
        return cpu.to(device);
    }

    private static IEnumerable<Op> Ops()
    {
        yield return new("conv2d", 5e-3, d => F.conv2d(Randn(d, 1, 2, 8, 16, 16), Randn(d, 2, 12, 8, 3, 3), Randn(d, 3, 12), padding: 1));
        yield return new("conv_transpose2d", 5e-3, d => F.conv_transpose2d(Randn(d, 1, 2, 8, 8, 8), Randn(d, 2, 8, 4, 2, 2), Randn(d, 3, 4), stride: 2));
        yield return new("batch_norm", 1e-4, d =>
        {
            using var mean = torch.zeros([6], device: d);
            using var variance = torch.ones([6], device: d);
            return F.batch_norm(Randn(d, 1, 4, 6, 5, 5), mean, variance, Randn(d, 2, 6), Randn(d, 3, 6), training: true);
        });
        yield return new("interpolate bilinear", 1e-4, d => F.interpolate(Randn(d, 1, 2, 3, 7, 9), size: [16, 20], mode: "bilinear", align_corners: false));
        yield return new("interpolate bilinear align_corners", 1e-4, d => F.interpolate(Randn(d, 1, 2, 3, 7, 9), size: [16, 20], mode: "bilinear", align_corners: true));
        yield return new("interpolate bilinear antialias", 1e-4, d => F.interpolate(Randn(d, 1, 2, 3, 32, 32), size: [11, 13], mode: "bilinear", antialias: true));
        yield return new("interpolate nearest", 0, d => F.interpolate(Randn(d, 1, 2, 3, 7, 9), size: [16, 20], mode: "nearest"));
        yield return new("grid_sample bilinear", 1e-4, d => F.grid_sample(Randn(d, 1, 2, 3, 10, 10), Grid(d), align_corners: false));
        yield return new("grid_sample bilinear align_corners", 1e-4, d => F.grid_sample(Randn(d, 1, 2, 3, 10, 10), Grid(d), align_corners: true));
        yield return new("affine_grid", 1e-5, d => F.affine_grid(Randn(d, 5, 2, 2, 3), [2, 3, 6, 7], align_corners: false));
        yield return new("cdist", 1e-3, d => torch.cdist(Randn(d, 1, 64, 32), Randn(d, 2, 40, 32)));
        yield return new("topk", 0, d =>
        {
            var (values, indices) = Randn(d, 1, 8, 50).topk(5, dim: 1);
            indices.Dispose();
            return values;
        });
        yield return new("median", 0, d => Randn(d, 1, 101).median());
        yield return new("unfold", 0, d => F.unfold(Randn(d, 1, 2, 3, 9, 9), 3, padding: 1));
        yield return new("adaptive_avg_pool1d", 1e-5, d => F.adaptive_avg_pool1d(Randn(d, 1, 2, 17, 40), 7));
        yield return new("matmul", 1e-3, d => torch.matmul(Randn(d, 1, 64, 96), Randn(d, 2, 96, 48)));
        yield return new("gaussian_blur", 1e-4, d => F.gaussian_blur(Randn(d, 1, 2, 1, 32, 32), sigma: 4));
        yield return new("gaussian_filter1d", 1e-4, d => F.gaussian_filter1d(Randn(d, 1, 2, 1, 8, 40), sigma: 2, dim: 3));
        yield return new("sgd step", 1e-5, d => Step(d, p => torch.optim.SGD(p, lr: 0.1, momentum: 0.9, weight_decay: 1e-4)));
        yield return new("adam step", 1e-5, d => Step(d, p => torch.optim.Adam(p, lr: 0.01)));
        yield return new("adamw step", 1e-5, d => Step(d, p => torch.optim.AdamW(p, lr: 0.01, weight_decay: 0.05)));
    }

    /// <summary>A sampling grid inside and a little outside [-1, 1], so that padding is exercised too.</summary>
    private static Tensor Grid(Device device)
    {
        using var g = Randn(device, 4, 2, 8, 8, 2);
        return g.mul(0.6);
    }

    /// <summary>Two optimiser steps on a parameter with the loss sum(p^2 * x); returns the parameter after them.</summary>
    private static Tensor Step(Device device, Func<Tensor[], AnomalyBench.Torch.Optim.Optimizer> create)
    {
        var parameter = Randn(device, 1, 32).requires_grad_();
        using var x = Randn(device, 2, 32);
        using var optimizer = create([parameter]);
        for (var i = 0; i < 2; i++)
        {
            optimizer.zero_grad();
            using var squared = parameter.mul(parameter);
            using var weighted = squared.mul(x);
            using var loss = weighted.sum();
            loss.backward();
            optimizer.step();
        }
        var result = parameter.detach();
        parameter.Dispose();
        return result;
    }
}
