using AnomalyBench.Torch.Native;

namespace AnomalyBench.Torch;

public static partial class torch
{
    public static partial class nn
    {
        /// <summary>PyTorch's <c>torch.nn.functional</c>, with its argument names and defaults.</summary>
        public static partial class functional
        {
            /// <summary>How a loss reduces over its elements; numbered as at::Reduction.</summary>
            public enum Reduction
            {
                None = 0,
                Mean = 1,
                Sum = 2,
            }

            private static long[] Pair(long v) => [v, v];

            // Convolution, linear, normalisation --------------------------------

            public static Tensor conv2d(Tensor input, Tensor weight, Tensor? bias = null, long stride = 1, long padding = 0, long dilation = 1, long groups = 1) =>
                conv2d(input, weight, bias, Pair(stride), Pair(padding), Pair(dilation), groups);

            public static Tensor conv2d(Tensor input, Tensor weight, Tensor? bias, long[] stride, long[] padding, long[] dilation, long groups = 1)
            {
                var c = new OpCall(aten.conv2d);
                return c.Tensor(input).Tensor(weight).OptionalTensor(bias).Ints(stride).Ints(padding).Ints(dilation).Int(groups).Call();
            }

            public static Tensor conv_transpose2d(Tensor input, Tensor weight, Tensor? bias = null, long stride = 1, long padding = 0,
                long output_padding = 0, long groups = 1, long dilation = 1) =>
                conv_transpose2d(input, weight, bias, Pair(stride), Pair(padding), Pair(output_padding), groups, Pair(dilation));

            public static Tensor conv_transpose2d(Tensor input, Tensor weight, Tensor? bias, long[] stride, long[] padding,
                long[] output_padding, long groups, long[] dilation)
            {
                var c = new OpCall(aten.conv_transpose2d_input);
                return c.Tensor(input).Tensor(weight).OptionalTensor(bias).Ints(stride).Ints(padding).Ints(output_padding).Int(groups).Ints(dilation).Call();
            }

            public static Tensor linear(Tensor input, Tensor weight, Tensor? bias = null)
            {
                var c = new OpCall(aten.linear);
                return c.Tensor(input).Tensor(weight).OptionalTensor(bias).Call();
            }

            /// <summary>Batch normalisation; in training mode the running statistics are updated in place.</summary>
            public static Tensor batch_norm(Tensor input, Tensor? running_mean, Tensor? running_var, Tensor? weight = null, Tensor? bias = null,
                bool training = false, double momentum = 0.1, double eps = 1e-5)
            {
                var c = new OpCall(aten.batch_norm);
                return c.Tensor(input).OptionalTensor(weight).OptionalTensor(bias).OptionalTensor(running_mean).OptionalTensor(running_var)
                    .Bool(training).Double(momentum).Double(eps).Bool(true).Call();
            }

            public static Tensor layer_norm(Tensor input, long[] normalized_shape, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
            {
                var c = new OpCall(aten.layer_norm);
                return c.Tensor(input).Ints(normalized_shape).OptionalTensor(weight).OptionalTensor(bias).Double(eps).Call();
            }

            // Activations --------------------------------------------------------

            public static Tensor relu(Tensor input) => input.relu();
            public static Tensor sigmoid(Tensor input) => input.sigmoid();
            public static Tensor tanh(Tensor input) => input.tanh();

            public static Tensor leaky_relu(Tensor input, double negative_slope = 0.01)
            {
                var c = new OpCall(aten.leaky_relu);
                return c.Tensor(input).Scalar(negative_slope).Call();
            }

            /// <summary>Leaky ReLU in place; returns <paramref name="input"/>.</summary>
            public static Tensor leaky_relu_(Tensor input, double negative_slope = 0.01)
            {
                var c = new OpCall(aten.leaky_relu_);
                c.Tensor(input).Scalar(negative_slope).CallVoid();
                return input;
            }

            /// <summary>GELU; <paramref name="approximate"/> is "none" (erf) or "tanh".</summary>
            public static Tensor gelu(Tensor input, string approximate = "none")
            {
                var c = new OpCall(aten.gelu);
                return c.Tensor(input).String(approximate).Call();
            }

            public static Tensor silu(Tensor input)
            {
                var c = new OpCall(aten.silu);
                return c.Tensor(input).Call();
            }

            public static Tensor softplus(Tensor input, double beta = 1, double threshold = 20)
            {
                var c = new OpCall(aten.softplus);
                return c.Tensor(input).Scalar(beta).Scalar(threshold).Call();
            }

            public static Tensor elu(Tensor input, double alpha = 1)
            {
                var c = new OpCall(aten.elu);
                return c.Tensor(input).Scalar(alpha).Call();
            }

            public static Tensor softmax(Tensor input, long dim)
            {
                var c = new OpCall(aten.softmax_int);
                return c.Tensor(input).Int(dim).Call();
            }

            public static Tensor log_softmax(Tensor input, long dim)
            {
                var c = new OpCall(aten.log_softmax_int);
                return c.Tensor(input).Int(dim).Call();
            }

            public static Tensor dropout(Tensor input, double p = 0.5, bool training = true)
            {
                var c = new OpCall(aten.dropout);
                return c.Tensor(input).Double(p).Bool(training).Call();
            }

            /// <summary>Zeroes whole channels of [N,C,H,W] (PyTorch's <c>dropout2d</c>).</summary>
            public static Tensor dropout2d(Tensor input, double p = 0.5, bool training = true)
            {
                var c = new OpCall(aten.feature_dropout);
                return c.Tensor(input).Double(p).Bool(training).Call();
            }

            // Pooling --------------------------------------------------------------

            public static Tensor max_pool2d(Tensor input, long kernel_size, long? stride = null, long padding = 0, long dilation = 1, bool ceil_mode = false)
            {
                var c = new OpCall(aten.max_pool2d);
                return c.Tensor(input).Ints(Pair(kernel_size)).Ints(Pair(stride ?? kernel_size)).Ints(Pair(padding)).Ints(Pair(dilation))
                    .Bool(ceil_mode).Call();
            }

            public static Tensor avg_pool2d(Tensor input, long kernel_size, long? stride = null, long padding = 0, bool ceil_mode = false,
                bool count_include_pad = true, long? divisor_override = null)
            {
                var c = new OpCall(aten.avg_pool2d);
                return c.Tensor(input).Ints(Pair(kernel_size)).Ints(Pair(stride ?? kernel_size)).Ints(Pair(padding)).Bool(ceil_mode)
                    .Bool(count_include_pad).OptionalInt(divisor_override).Call();
            }

            public static Tensor avg_pool1d(Tensor input, long kernel_size, long? stride = null, long padding = 0, bool ceil_mode = false,
                bool count_include_pad = true)
            {
                var c = new OpCall(aten.avg_pool1d);
                return c.Tensor(input).Ints([kernel_size]).Ints([stride ?? kernel_size]).Ints([padding]).Bool(ceil_mode).Bool(count_include_pad).Call();
            }

            public static Tensor adaptive_avg_pool2d(Tensor input, long[] output_size)
            {
                var c = new OpCall(aten.adaptive_avg_pool2d);
                return c.Tensor(input).Ints(output_size).Call();
            }

            public static Tensor adaptive_avg_pool2d(Tensor input, long output_size) => adaptive_avg_pool2d(input, Pair(output_size));

            public static Tensor adaptive_max_pool2d(Tensor input, long[] output_size)
            {
                var c = new OpCall(aten.adaptive_max_pool2d);
                var r = c.Tensor(input).Ints(output_size).CallMany();
                r[1].Dispose();
                return r[0];
            }

            /// <summary>Adaptive average pooling over the last dimension of [N,C,L] (PatchCore's feature-dimension reduction).</summary>
            public static Tensor adaptive_avg_pool1d(Tensor input, long output_size)
            {
                var c = new OpCall(aten.adaptive_avg_pool1d);
                return c.Tensor(input).Ints([output_size]).Call();
            }

            // Resampling -------------------------------------------------------------

            /// <summary>
            /// Resizes [N,C,H,W] to <paramref name="size"/> or by <paramref name="scale_factor"/>. Modes:
            /// "nearest", "bilinear", "bicubic". <paramref name="antialias"/> (bilinear only) matches
            /// PyTorch's <c>antialias=True</c> for down-sampling.
            /// </summary>
            public static Tensor interpolate(Tensor input, long[]? size = null, double? scale_factor = null, string mode = "nearest",
                bool? align_corners = null, bool antialias = false)
            {
                if ((size is null) == (scale_factor is null))
                    throw new ArgumentException("interpolate: give exactly one of size and scale_factor");
                double[]? scales = scale_factor is { } s ? [s, s] : null;
                switch (mode)
                {
                    case "nearest":
                        {
                            if (align_corners is not null) throw new ArgumentException("interpolate: align_corners only applies to bilinear and bicubic");
                            var c = new OpCall(aten.upsample_nearest2d_vec);
                            c.Tensor(input).OptionalInts(size);
                            if (scales is null) c.None(); else c.Doubles(scales);
                            return c.Call();
                        }
                    case "bilinear":
                    case "bicubic":
                        {
                            var op = mode == "bicubic" ? aten.upsample_bicubic2d_vec
                                : antialias ? aten._upsample_bilinear2d_aa_vec : aten.upsample_bilinear2d_vec;
                            var c = new OpCall(op);
                            c.Tensor(input).OptionalInts(size).Bool(align_corners ?? false);
                            if (scales is null) c.None(); else c.Doubles(scales);
                            return c.Call();
                        }
                    default:
                        throw new ArgumentException($"interpolate: unknown mode '{mode}' (nearest, bilinear, bicubic)");
                }
            }

            /// <summary>
            /// Samples <paramref name="input"/> [N,C,H,W] at <paramref name="grid"/> [N,H',W',2] (x, y in [-1,1]).
            /// mode: "bilinear", "nearest", "bicubic"; padding_mode: "zeros", "border", "reflection".
            /// </summary>
            public static Tensor grid_sample(Tensor input, Tensor grid, string mode = "bilinear", string padding_mode = "zeros", bool align_corners = false)
            {
                long m = mode switch
                {
                    "bilinear" => 0,
                    "nearest" => 1,
                    "bicubic" => 2,
                    _ => throw new ArgumentException($"grid_sample: unknown mode '{mode}' (bilinear, nearest, bicubic)"),
                };
                long p = padding_mode switch
                {
                    "zeros" => 0,
                    "border" => 1,
                    "reflection" => 2,
                    _ => throw new ArgumentException($"grid_sample: unknown padding_mode '{padding_mode}' (zeros, border, reflection)"),
                };
                var c = new OpCall(aten.grid_sampler);
                return c.Tensor(input).Tensor(grid).Int(m).Int(p).Bool(align_corners).Call();
            }

            /// <summary>The sampling grid [N,H,W,2] of the affine transforms <paramref name="theta"/> [N,2,3] for an output of <paramref name="size"/> [N,C,H,W].</summary>
            public static Tensor affine_grid(Tensor theta, long[] size, bool align_corners = false)
            {
                var c = new OpCall(aten.affine_grid_generator);
                return c.Tensor(theta).Ints(size).Bool(align_corners).Call();
            }

            /// <summary>Pads the last dimensions: <paramref name="pad"/> is (left, right, top, bottom, ...); mode "constant", "reflect" or "replicate".</summary>
            public static Tensor pad(Tensor input, long[] pad, string mode = "constant", double value = 0)
            {
                switch (mode)
                {
                    case "constant":
                        {
                            var c = new OpCall(aten.constant_pad_nd);
                            return c.Tensor(input).Ints(pad).Scalar(value).Call();
                        }
                    case "reflect":
                        {
                            var c = new OpCall(aten.reflection_pad2d);
                            return c.Tensor(input).Ints(pad).Call();
                        }
                    case "replicate":
                        {
                            var c = new OpCall(aten.replication_pad2d);
                            return c.Tensor(input).Ints(pad).Call();
                        }
                    default:
                        throw new ArgumentException($"pad: unknown mode '{mode}' (constant, reflect, replicate)");
                }
            }

            /// <summary>Extracts sliding local blocks: [N,C,H,W] → [N, C·k·k, L] (PyTorch's <c>F.unfold</c>).</summary>
            public static Tensor unfold(Tensor input, long kernel_size, long dilation = 1, long padding = 0, long stride = 1)
            {
                var c = new OpCall(aten.im2col);
                return c.Tensor(input).Ints(Pair(kernel_size)).Ints(Pair(dilation)).Ints(Pair(padding)).Ints(Pair(stride)).Call();
            }

            /// <summary>Sums sliding local blocks back into [N,C,H,W] (PyTorch's <c>F.fold</c>).</summary>
            public static Tensor fold(Tensor input, long[] output_size, long kernel_size, long dilation = 1, long padding = 0, long stride = 1)
            {
                var c = new OpCall(aten.col2im);
                return c.Tensor(input).Ints(output_size).Ints(Pair(kernel_size)).Ints(Pair(dilation)).Ints(Pair(padding)).Ints(Pair(stride)).Call();
            }

            public static Tensor one_hot(Tensor tensor, long num_classes = -1)
            {
                var c = new OpCall(aten.one_hot);
                return c.Tensor(tensor).Int(num_classes).Call();
            }

            // Similarity -------------------------------------------------------------

            public static Tensor cosine_similarity(Tensor x1, Tensor x2, long dim = 1, double eps = 1e-8)
            {
                var c = new OpCall(aten.cosine_similarity);
                return c.Tensor(x1).Tensor(x2).Int(dim).Double(eps).Call();
            }

            /// <summary>x / max(‖x‖_p, eps) along <paramref name="dim"/> (PyTorch's <c>F.normalize</c>).</summary>
            public static Tensor normalize(Tensor input, double p = 2, long dim = 1, double eps = 1e-12)
            {
                using var norm = input.norm(p, [dim], keepdim: true);
                using var denominator = norm.clamp_min(eps);
                return input.div(denominator);
            }

            // Losses -----------------------------------------------------------------

            public static Tensor mse_loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
            {
                var c = new OpCall(aten.mse_loss);
                return c.Tensor(input).Tensor(target).Int((long)reduction).Call();
            }

            public static Tensor l1_loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
            {
                var c = new OpCall(aten.l1_loss);
                return c.Tensor(input).Tensor(target).Int((long)reduction).Call();
            }

            public static Tensor smooth_l1_loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, double beta = 1.0)
            {
                var c = new OpCall(aten.smooth_l1_loss);
                return c.Tensor(input).Tensor(target).Int((long)reduction).Double(beta).Call();
            }

            public static Tensor binary_cross_entropy(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean)
            {
                var c = new OpCall(aten.binary_cross_entropy);
                return c.Tensor(input).Tensor(target).OptionalTensor(weight).Int((long)reduction).Call();
            }

            public static Tensor binary_cross_entropy_with_logits(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean,
                Tensor? pos_weight = null)
            {
                var c = new OpCall(aten.binary_cross_entropy_with_logits);
                return c.Tensor(input).Tensor(target).OptionalTensor(weight).OptionalTensor(pos_weight).Int((long)reduction).Call();
            }

            public static Tensor cross_entropy(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean,
                long ignore_index = -100, double label_smoothing = 0)
            {
                var c = new OpCall(aten.cross_entropy_loss);
                return c.Tensor(input).Tensor(target).OptionalTensor(weight).Int((long)reduction).Int(ignore_index).Double(label_smoothing).Call();
            }

            // Image filters ----------------------------------------------------------

            /// <summary>
            /// Gaussian blur of [N,C,H,W] with a separable kernel of radius ⌈truncate·σ⌉ and reflect
            /// padding: scipy.ndimage.gaussian_filter(sigma, truncate=4.0), which PatchCore and RD4AD
            /// apply to anomaly maps (σ = 4). It is <see cref="gaussian_filter1d"/> along the width, then the height.
            /// </summary>
            public static Tensor gaussian_blur(Tensor input, double sigma, double truncate = 4.0)
            {
                using var rows = gaussian_filter1d(input, sigma, dim: 3, truncate);
                return gaussian_filter1d(rows, sigma, dim: 2, truncate);
            }

            /// <summary>
            /// Gaussian filter of [N,C,H,W] along one spatial dimension (2: columns, 3: rows), radius ⌈truncate·σ⌉, scipy's
            /// "reflect" border: scipy.ndimage.gaussian_filter1d, and scipy.ndimage.gaussian_filter of a 1-D array (SSM's
            /// test.py smooths each row of a map that way at batch 1).
            /// </summary>
            public static Tensor gaussian_filter1d(Tensor input, double sigma, int dim, double truncate = 4.0)
            {
                if (sigma <= 0) throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "sigma must be positive");
                if (input.dim() != 4) throw new ArgumentException($"gaussian_filter1d expects [N,C,H,W], got [{string.Join(", ", input.shape)}]", nameof(input));
                if (dim is not (2 or 3)) throw new ArgumentOutOfRangeException(nameof(dim), dim, "dim must be 2 (along columns) or 3 (along rows)");
                var radius = (int)(truncate * sigma + 0.5);
                var weights = new float[2 * radius + 1];
                double total = 0;
                for (var k = -radius; k <= radius; k++) total += Math.Exp(-0.5 * k * k / (sigma * sigma));
                for (var k = -radius; k <= radius; k++) weights[k + radius] = (float)(Math.Exp(-0.5 * k * k / (sigma * sigma)) / total);
                var channels = input.size(1);
                using var scope = NewDisposeScope();
                var kernel = from_array(weights, [1, 1, 1, weights.Length], input.device).to(input.dtype).expand(channels, 1, 1, weights.Length);
                if (dim == 2) kernel = kernel.transpose(2, 3);
                // scipy's "reflect" mode repeats the edge pixel (d c b a | a b c d), which is PyTorch's
                // "symmetric", not its "reflect": pad by hand with flipped slices.
                var x = SymmetricPad(input, radius, dim, input.size(dim));
                x = conv2d(x, kernel, null, [1, 1], [0, 0], [1, 1], channels);
                return x.MoveToOuterDisposeScope();
            }

            /// <summary>
            /// Median filter of [N,C,H,W] over a k×k window with zero padding of (k−1)/2, as
            /// <c>kornia.filters.median_blur</c> (RIAD's and SSM's GMS loss apply it with k = 3): each
            /// output is the median of the k² window values, zeros of the padding included at the border.
            /// </summary>
            public static Tensor median_blur(Tensor input, long kernel_size)
            {
                if (kernel_size < 1 || kernel_size % 2 == 0)
                    throw new ArgumentOutOfRangeException(nameof(kernel_size), kernel_size, "kernel_size must be odd and positive");
                if (input.dim() != 4) throw new ArgumentException($"median_blur expects [N,C,H,W], got [{string.Join(", ", input.shape)}]", nameof(input));
                var (n, c, h, w) = (input.size(0), input.size(1), input.size(2), input.size(3));
                using var scope = NewDisposeScope();
                var windows = unfold(input.reshape(n * c, 1, h, w), kernel_size, padding: (kernel_size - 1) / 2);   // [N·C, k², H·W]
                var median = windows.median(1).values;
                return median.view(n, c, h, w).MoveToOuterDisposeScope();
            }

            private static Tensor SymmetricPad(Tensor x, int radius, int dim, long length)
            {
                if (radius == 0) return x.alias();
                // Beyond one full reflection scipy keeps mirroring; repeat until the pad is covered.
                var flipped = x.flip(dim);
                long covered = 0;
                var left = new List<Tensor>();
                var right = new List<Tensor>();
                var forward = false;
                while (covered < radius)
                {
                    var take = Math.Min(length, radius - covered);
                    var source = forward ? x : flipped;
                    left.Insert(0, source.narrow(dim, source.size(dim) - take, take));
                    right.Add(source.narrow(dim, 0, take));
                    covered += take;
                    forward = !forward;
                }
                return cat([.. left, x, .. right], dim);
            }
        }
    }
}
