using AnomalyBench.Torch.Modules;

namespace AnomalyBench.Torch;

public static partial class torch
{
    public static partial class nn
    {
        /// <summary>
        /// PyTorch's <c>torch.nn.init</c>: in-place initialisers that run under no_grad and return
        /// their tensor. Fans follow PyTorch: fan_in = size(1)·receptive field, fan_out = size(0)·receptive
        /// field, whatever the layer (so a transposed convolution's fan_in counts its output channels).
        /// </summary>
        public static class init
        {
            /// <summary>The recommended gain for a nonlinearity: linear, conv*, sigmoid → 1; tanh → 5/3; relu → √2; leaky_relu → √(2/(1+slope²)); selu → 3/4.</summary>
            public static double calculate_gain(string nonlinearity, double? param = null)
            {
                switch (nonlinearity)
                {
                    case "linear" or "conv1d" or "conv2d" or "conv3d" or "conv_transpose1d" or "conv_transpose2d" or "conv_transpose3d" or "sigmoid":
                        return 1;
                    case "tanh":
                        return 5.0 / 3;
                    case "relu":
                        return Math.Sqrt(2.0);
                    case "leaky_relu":
                        var slope = param ?? 0.01;
                        return Math.Sqrt(2.0 / (1 + slope * slope));
                    case "selu":
                        return 3.0 / 4;
                    default:
                        throw new ArgumentException($"unsupported nonlinearity '{nonlinearity}' (linear, conv2d, sigmoid, tanh, relu, leaky_relu, selu)", nameof(nonlinearity));
                }
            }

            public static (long fan_in, long fan_out) calculate_fan_in_and_fan_out(Tensor tensor)
            {
                var shape = tensor.shape;
                if (shape.Length < 2)
                    throw new ArgumentException("fan in and fan out can not be computed for tensor with fewer than 2 dimensions", nameof(tensor));
                long receptive = 1;
                for (var k = 2; k < shape.Length; k++) receptive *= shape[k];
                return (shape[1] * receptive, shape[0] * receptive);
            }

            private static long Fan(Tensor tensor, string mode)
            {
                var (fanIn, fanOut) = calculate_fan_in_and_fan_out(tensor);
                return mode switch
                {
                    "fan_in" => fanIn,
                    "fan_out" => fanOut,
                    _ => throw new ArgumentException($"mode '{mode}' not supported, use fan_in or fan_out", nameof(mode)),
                };
            }

            public static Tensor uniform_(Tensor tensor, double a = 0, double b = 1)
            {
                using (no_grad()) return tensor.uniform_(a, b);
            }

            public static Tensor normal_(Tensor tensor, double mean = 0, double std = 1)
            {
                using (no_grad()) return tensor.normal_(mean, std);
            }

            public static Tensor constant_(Tensor tensor, double val)
            {
                using (no_grad()) return tensor.fill_(val);
            }

            public static Tensor zeros_(Tensor tensor)
            {
                using (no_grad()) return tensor.zero_();
            }

            public static Tensor ones_(Tensor tensor)
            {
                using (no_grad()) return tensor.fill_(1);
            }

            /// <summary>
            /// The default initialisation of PyTorch's Linear, Conv and ConvTranspose layers
            /// (their <c>reset_parameters</c>): weight ~ kaiming_uniform_(a=√5), bias ~ U(±1/√fan_in).
            /// </summary>
            internal static void reset_default_(Tensor weight, Tensor? bias)
            {
                kaiming_uniform_(weight, a: Math.Sqrt(5));
                if (bias is null) return;
                var (fanIn, _) = calculate_fan_in_and_fan_out(weight);
                var bound = fanIn > 0 ? 1 / Math.Sqrt(fanIn) : 0;
                uniform_(bias, -bound, bound);
            }

            /// <summary>Normal(mean, std) truncated to [a, b], by PyTorch's inverse-CDF method.</summary>
            public static Tensor trunc_normal_(Tensor tensor, double mean = 0, double std = 1, double a = -2, double b = 2)
            {
                static double NormCdf(double x)
                {
                    // .NET has no erf: libtorch's, in float64.
                    using var t = torch.tensor(x / Math.Sqrt(2), ScalarType.Float64);
                    using var e = t.erf();
                    return (1 + e.item<double>()) / 2;
                }
                var l = NormCdf((a - mean) / std);
                var u = NormCdf((b - mean) / std);
                using (no_grad())
                {
                    tensor.uniform_(2 * l - 1, 2 * u - 1);
                    tensor.erfinv_();
                    tensor.mul_(std * Math.Sqrt(2));
                    tensor.add_(mean);
                    return tensor.clamp_(a, b);
                }
            }

            /// <summary>U(−a, a) with a = gain·√(6/(fan_in + fan_out)) (Glorot and Bengio, 2010).</summary>
            public static Tensor xavier_uniform_(Tensor tensor, double gain = 1)
            {
                var (fanIn, fanOut) = calculate_fan_in_and_fan_out(tensor);
                var std = gain * Math.Sqrt(2.0 / (fanIn + fanOut));
                var bound = Math.Sqrt(3.0) * std;
                return uniform_(tensor, -bound, bound);
            }

            /// <summary>N(0, std²) with std = gain·√(2/(fan_in + fan_out)).</summary>
            public static Tensor xavier_normal_(Tensor tensor, double gain = 1)
            {
                var (fanIn, fanOut) = calculate_fan_in_and_fan_out(tensor);
                return normal_(tensor, 0, gain * Math.Sqrt(2.0 / (fanIn + fanOut)));
            }

            /// <summary>U(−bound, bound) with bound = gain·√(3/fan) (He et al., 2015); <paramref name="a"/> is the leaky_relu slope.</summary>
            public static Tensor kaiming_uniform_(Tensor tensor, double a = 0, string mode = "fan_in", string nonlinearity = "leaky_relu")
            {
                var std = calculate_gain(nonlinearity, a) / Math.Sqrt(Fan(tensor, mode));
                var bound = Math.Sqrt(3.0) * std;
                return uniform_(tensor, -bound, bound);
            }

            /// <summary>N(0, std²) with std = gain/√fan (He et al., 2015); <paramref name="a"/> is the leaky_relu slope.</summary>
            public static Tensor kaiming_normal_(Tensor tensor, double a = 0, string mode = "fan_in", string nonlinearity = "leaky_relu")
            {
                var std = calculate_gain(nonlinearity, a) / Math.Sqrt(Fan(tensor, mode));
                return normal_(tensor, 0, std);
            }
        }
    }
}
