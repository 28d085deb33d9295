using AnomalyBench.Torch.Modules;

namespace AnomalyBench.Torch;

public static partial class torch
{
    /// <summary>
    /// Layer factories named as PyTorch's and TorchSharp's <c>torch.nn</c> (<c>torch.nn.Conv2d(3, 64, 7, stride: 2)</c>);
    /// each returns the layer class of <see cref="AnomalyBench.Torch.Modules"/>, which may also be constructed directly.
    /// </summary>
    public static partial class nn
    {
        public static Modules.Conv2d Conv2d(long in_channels, long out_channels, long kernel_size, long stride = 1, long padding = 0, long dilation = 1,
            long groups = 1, bool bias = true, string padding_mode = "zeros", Device? device = null, ScalarType? dtype = null) =>
            new(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode, device, dtype);

        public static Modules.Conv2d Conv2d(long in_channels, long out_channels, (long, long) kernel_size, (long, long)? stride = null,
            (long, long)? padding = null, (long, long)? dilation = null, long groups = 1, bool bias = true, string padding_mode = "zeros",
            Device? device = null, ScalarType? dtype = null) =>
            new(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode, device, dtype);

        public static Modules.ConvTranspose2d ConvTranspose2d(long in_channels, long out_channels, long kernel_size, long stride = 1, long padding = 0,
            long output_padding = 0, long groups = 1, bool bias = true, long dilation = 1, Device? device = null, ScalarType? dtype = null) =>
            new(in_channels, out_channels, kernel_size, stride, padding, output_padding, groups, bias, dilation, device, dtype);

        public static Modules.ConvTranspose2d ConvTranspose2d(long in_channels, long out_channels, (long, long) kernel_size, (long, long)? stride = null,
            (long, long)? padding = null, (long, long)? output_padding = null, long groups = 1, bool bias = true, (long, long)? dilation = null,
            Device? device = null, ScalarType? dtype = null) =>
            new(in_channels, out_channels, kernel_size, stride, padding, output_padding, groups, bias, dilation, device, dtype);

        public static Modules.Linear Linear(long in_features, long out_features, bool bias = true, Device? device = null, ScalarType? dtype = null) =>
            new(in_features, out_features, bias, device, dtype);

        public static Modules.BatchNorm1d BatchNorm1d(long num_features, double eps = 1e-5, double? momentum = 0.1, bool affine = true,
            bool track_running_stats = true, Device? device = null, ScalarType? dtype = null) =>
            new(num_features, eps, momentum, affine, track_running_stats, device, dtype);

        public static Modules.BatchNorm2d BatchNorm2d(long num_features, double eps = 1e-5, double? momentum = 0.1, bool affine = true,
            bool track_running_stats = true, Device? device = null, ScalarType? dtype = null) =>
            new(num_features, eps, momentum, affine, track_running_stats, device, dtype);

        public static Modules.LayerNorm LayerNorm(long[] normalized_shape, double eps = 1e-5, bool elementwise_affine = true, bool bias = true,
            Device? device = null, ScalarType? dtype = null) =>
            new(normalized_shape, eps, elementwise_affine, bias, device, dtype);

        public static Modules.LayerNorm LayerNorm(long normalized_shape, double eps = 1e-5, bool elementwise_affine = true, bool bias = true,
            Device? device = null, ScalarType? dtype = null) =>
            new(normalized_shape, eps, elementwise_affine, bias, device, dtype);

        public static Modules.ReLU ReLU(bool inplace = false) => new(inplace);
        public static Modules.LeakyReLU LeakyReLU(double negative_slope = 0.01, bool inplace = false) => new(negative_slope, inplace);
        public static Modules.GELU GELU(string approximate = "none") => new(approximate);
        public static Modules.SiLU SiLU() => new();
        public static Modules.Sigmoid Sigmoid() => new();
        public static Modules.Tanh Tanh() => new();
        public static Modules.Softmax Softmax(long dim) => new(dim);

        public static Modules.MaxPool2d MaxPool2d(long kernel_size, long? stride = null, long padding = 0, long dilation = 1, bool ceil_mode = false) =>
            new(kernel_size, stride, padding, dilation, ceil_mode);

        public static Modules.AvgPool2d AvgPool2d(long kernel_size, long? stride = null, long padding = 0, bool ceil_mode = false,
            bool count_include_pad = true, long? divisor_override = null) =>
            new(kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override);

        public static Modules.AdaptiveAvgPool2d AdaptiveAvgPool2d(long output_size) => new(output_size);
        public static Modules.AdaptiveAvgPool2d AdaptiveAvgPool2d((long, long) output_size) => new(output_size);

        public static Modules.Identity Identity() => new();
        public static Modules.Flatten Flatten(long start_dim = 1, long end_dim = -1) => new(start_dim, end_dim);
        public static Modules.Dropout Dropout(double p = 0.5) => new(p);
        public static Modules.Dropout2d Dropout2d(double p = 0.5) => new(p);

        public static Modules.Upsample Upsample(long[]? size = null, double? scale_factor = null, string mode = "nearest", bool? align_corners = null) =>
            new(size, scale_factor, mode, align_corners);

        public static Modules.Sequential Sequential() => new();
        public static Modules.ModuleList ModuleList(params Module[] modules) => new(modules);
        public static Modules.Sequential Sequential(params Module<Tensor, Tensor>[] modules) => new(modules);
        public static Modules.Sequential Sequential(params (string name, Module<Tensor, Tensor> module)[] modules) => new(modules);
    }
}
