# Regenerates ../../Native/aten.cs (the ATen operator table) from the list below.
# Run from torch/: python3 native/tools/gen_aten.py
ops = """
add Tensor; add Scalar; add_ Tensor; add_ Scalar; sub Tensor; sub Scalar; sub_ Tensor; sub_ Scalar; rsub Scalar
mul Tensor; mul Scalar; mul_ Tensor; mul_ Scalar; div Tensor; div Scalar; div_ Tensor; div_ Scalar; div Tensor_mode; remainder Scalar; fmod Scalar
neg; abs; exp; log; log1p; log2; sqrt; rsqrt; sigmoid; tanh; relu; relu_; sign; floor; ceil; round; reciprocal; square; sin; cos; erf; erfinv_
pow Tensor_Scalar; pow Tensor_Tensor; clamp; clamp_; clamp_min; clamp_max; maximum; minimum
addcmul_; addcdiv_; lerp_ Scalar; lerp Scalar; addmm
sum; sum dim_IntList; mean; mean dim; std dim; var dim; prod; cumsum; logsumexp
linalg_vector_norm; min; min dim; max; max dim; amax; amin; argmin; argmax; topk; sort; argsort; kthvalue; median
matmul; mm; bmm; cdist; cosine_similarity; einsum; dot; outer
softmax int; log_softmax int; dropout; feature_dropout
mse_loss; l1_loss; smooth_l1_loss; binary_cross_entropy; binary_cross_entropy_with_logits; cross_entropy_loss
where self; where ScalarOther; where ScalarSelf; grid_sampler; affine_grid_generator; im2col; col2im; one_hot
conv2d; conv_transpose2d input; batch_norm; layer_norm; linear; leaky_relu; leaky_relu_; gelu; silu; softplus; elu; hardtanh
max_pool2d; max_pool2d_with_indices; avg_pool2d; adaptive_avg_pool2d; adaptive_max_pool2d; adaptive_avg_pool1d; avg_pool1d
upsample_bilinear2d vec; upsample_nearest2d vec; upsample_bicubic2d vec; _upsample_bilinear2d_aa vec
constant_pad_nd; reflection_pad2d; replication_pad2d
cat; stack; split Tensor; split_with_sizes; chunk; unbind int
view; reshape; permute; transpose int; flatten using_ints; unflatten int; unsqueeze; squeeze; squeeze dim; contiguous; expand; expand_as; repeat; narrow; select int; slice Tensor; t; flip; roll; movedim int
index_select; gather; scatter src; scatter value; scatter_add; index Tensor; index_put_; masked_fill Scalar; masked_fill_ Scalar; masked_select; nonzero
gt Scalar; gt Tensor; lt Scalar; lt Tensor; ge Scalar; ge Tensor; le Scalar; le Tensor; eq Scalar; eq Tensor; ne Scalar; ne Tensor
logical_and; logical_or; logical_not; any; all; isnan; isfinite; equal; allclose
to dtype; to dtype_layout; clone; detach; copy_; fill_ Scalar; zero_; normal_; uniform_; bernoulli p; set_data
zeros; ones; full; empty memory_format; randn; rand; randint; randint low; randperm; arange start_step; linspace; eye
zeros_like; ones_like; full_like; randn_like; rand_like; empty_like; multinomial; item; bucketize Tensor; as_strided
"""
lines=[]; seen=set()
for grp in ops.strip().split("\n"):
    for item in grp.split(";"):
        item=item.strip()
        if not item: continue
        parts=item.split(); name=parts[0]; ov=parts[1] if len(parts)>1 else ""
        field = name + ("_" + ov if ov else "")
        if field in seen: raise SystemExit("dup "+field)
        seen.add(field)
        ovs = f', "{ov}"' if ov else ""
        lines.append(f'    internal static readonly Op {field} = new("aten::{name}"{ovs});')
src = '''namespace AnomalyBench.Torch.Native;

/// <summary>
/// The ATen operators the C# API calls, by schema name and overload (see
/// native_functions.yaml in PyTorch); field names follow at::_ops
/// (<c>add__Tensor</c> is <c>aten::add_.Tensor</c>). Resolved lazily, once per process.
/// </summary>
internal static class aten
{
''' + "\n".join(lines) + "\n}\n"
open("Native/aten.cs","w").write(src)
