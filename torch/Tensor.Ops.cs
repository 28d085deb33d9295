using AnomalyBench.Torch.Native;

namespace AnomalyBench.Torch;

/// <summary>Element-wise arithmetic, reductions and linear algebra, named as in PyTorch.</summary>
public partial class Tensor
{
    private static Tensor Unary(Op op, Tensor x)
    {
        var c = new OpCall(op);
        return c.Tensor(x).Call();
    }

    private static Tensor Binary(Op op, Tensor x, Tensor y)
    {
        var c = new OpCall(op);
        return c.Tensor(x).Tensor(y).Call();
    }

    private static Tensor WithScalar(Op op, Tensor x, Scalar y)
    {
        var c = new OpCall(op);
        return c.Tensor(x).Scalar(y).Call();
    }

    /// <summary>Runs an in-place op and returns this tensor (the alias the op returns is released).</summary>
    private Tensor InPlace(Op op, Tensor? other = null, Scalar? scalar = null)
    {
        var c = new OpCall(op);
        c.Tensor(this);
        if (other is not null) c.Tensor(other);
        if (scalar is { } s) c.Scalar(s);
        c.CallVoid();
        return this;
    }

    // Arithmetic ---------------------------------------------------------

    public Tensor add(Tensor other, Scalar? alpha = null)
    {
        var c = new OpCall(aten.add_Tensor);
        c.Tensor(this).Tensor(other);
        if (alpha is { } a) c.Scalar(a);
        return c.Call();
    }

    public Tensor add(Scalar other) => WithScalar(aten.add_Scalar, this, other);
    public Tensor sub(Tensor other) => Binary(aten.sub_Tensor, this, other);
    public Tensor sub(Scalar other) => WithScalar(aten.sub_Scalar, this, other);
    public Tensor mul(Tensor other) => Binary(aten.mul_Tensor, this, other);
    public Tensor mul(Scalar other) => WithScalar(aten.mul_Scalar, this, other);
    public Tensor div(Tensor other) => Binary(aten.div_Tensor, this, other);
    public Tensor div(Scalar other) => WithScalar(aten.div_Scalar, this, other);
    public Tensor remainder(Scalar other) => WithScalar(aten.remainder_Scalar, this, other);

    /// <summary>Division with rounding: "trunc" or "floor" (PyTorch's <c>div(..., rounding_mode=)</c>).</summary>
    public Tensor div(Tensor other, string rounding_mode)
    {
        var c = new OpCall(aten.div_Tensor_mode);
        return c.Tensor(this).Tensor(other).String(rounding_mode).Call();
    }

    public Tensor add_(Tensor other, Scalar? alpha = null)
    {
        var c = new OpCall(aten.add__Tensor);
        c.Tensor(this).Tensor(other);
        if (alpha is { } a) c.Scalar(a);
        c.CallVoid();
        return this;
    }

    public Tensor add_(Scalar other) => InPlace(aten.add__Scalar, scalar: other);
    public Tensor sub_(Tensor other) => InPlace(aten.sub__Tensor, other);
    public Tensor sub_(Scalar other) => InPlace(aten.sub__Scalar, scalar: other);
    public Tensor mul_(Tensor other) => InPlace(aten.mul__Tensor, other);
    public Tensor mul_(Scalar other) => InPlace(aten.mul__Scalar, scalar: other);
    public Tensor div_(Tensor other) => InPlace(aten.div__Tensor, other);
    public Tensor div_(Scalar other) => InPlace(aten.div__Scalar, scalar: other);

    /// <summary>this += value * t1 * t2.</summary>
    public Tensor addcmul_(Tensor tensor1, Tensor tensor2, Scalar value)
    {
        var c = new OpCall(aten.addcmul_);
        c.Tensor(this).Tensor(tensor1).Tensor(tensor2).Scalar(value).CallVoid();
        return this;
    }

    /// <summary>this += value * t1 / t2.</summary>
    public Tensor addcdiv_(Tensor tensor1, Tensor tensor2, Scalar value)
    {
        var c = new OpCall(aten.addcdiv_);
        c.Tensor(this).Tensor(tensor1).Tensor(tensor2).Scalar(value).CallVoid();
        return this;
    }

    /// <summary>this += weight * (end - this): the exponential moving average update.</summary>
    public Tensor lerp_(Tensor end, Scalar weight)
    {
        var c = new OpCall(aten.lerp__Scalar);
        c.Tensor(this).Tensor(end).Scalar(weight).CallVoid();
        return this;
    }

    public Tensor lerp(Tensor end, Scalar weight)
    {
        var c = new OpCall(aten.lerp_Scalar);
        return c.Tensor(this).Tensor(end).Scalar(weight).Call();
    }

    public Tensor neg() => Unary(aten.neg, this);
    public Tensor abs() => Unary(aten.abs, this);
    public Tensor exp() => Unary(aten.exp, this);
    public Tensor log() => Unary(aten.log, this);
    public Tensor log1p() => Unary(aten.log1p, this);
    public Tensor log2() => Unary(aten.log2, this);
    public Tensor sqrt() => Unary(aten.sqrt, this);
    public Tensor rsqrt() => Unary(aten.rsqrt, this);
    public Tensor sigmoid() => Unary(aten.sigmoid, this);
    public Tensor tanh() => Unary(aten.tanh, this);
    public Tensor relu() => Unary(aten.relu, this);
    public Tensor relu_() => InPlace(aten.relu_);
    public Tensor sign() => Unary(aten.sign, this);
    public Tensor floor() => Unary(aten.floor, this);
    public Tensor ceil() => Unary(aten.ceil, this);
    public Tensor round() => Unary(aten.round, this);
    public Tensor reciprocal() => Unary(aten.reciprocal, this);
    public Tensor square() => Unary(aten.square, this);
    public Tensor sin() => Unary(aten.sin, this);
    public Tensor cos() => Unary(aten.cos, this);
    public Tensor erf() => Unary(aten.erf, this);
    public Tensor erfinv_() => InPlace(aten.erfinv_);
    public Tensor pow(Scalar exponent) => WithScalar(aten.pow_Tensor_Scalar, this, exponent);
    public Tensor pow(Tensor exponent) => Binary(aten.pow_Tensor_Tensor, this, exponent);
    public Tensor maximum(Tensor other) => Binary(aten.maximum, this, other);
    public Tensor minimum(Tensor other) => Binary(aten.minimum, this, other);
    public Tensor clamp_min(Scalar min) => WithScalar(aten.clamp_min, this, min);
    public Tensor clamp_max(Scalar max) => WithScalar(aten.clamp_max, this, max);

    public Tensor clamp(Scalar? min = null, Scalar? max = null)
    {
        var c = new OpCall(aten.clamp);
        c.Tensor(this);
        if (min is { } lo) c.Scalar(lo); else c.None();
        if (max is { } hi) c.Scalar(hi); else c.None();
        return c.Call();
    }

    public Tensor clamp_(Scalar? min = null, Scalar? max = null)
    {
        var c = new OpCall(aten.clamp_);
        c.Tensor(this);
        if (min is { } lo) c.Scalar(lo); else c.None();
        if (max is { } hi) c.Scalar(hi); else c.None();
        c.CallVoid();
        return this;
    }

    // Reductions ---------------------------------------------------------

    public Tensor sum(ScalarType? dtype = null)
    {
        var c = new OpCall(aten.sum);
        return c.Tensor(this).OptionalScalarType(dtype).Call();
    }

    public Tensor sum(long[] dim, bool keepdim = false)
    {
        var c = new OpCall(aten.sum_dim_IntList);
        return c.Tensor(this).Ints(dim).Bool(keepdim).Call();
    }

    public Tensor sum(long dim, bool keepdim = false) => sum([dim], keepdim);

    public Tensor mean()
    {
        var c = new OpCall(aten.mean);
        return c.Tensor(this).Call();
    }

    public Tensor mean(long[] dim, bool keepdim = false)
    {
        var c = new OpCall(aten.mean_dim);
        return c.Tensor(this).Ints(dim).Bool(keepdim).Call();
    }

    public Tensor mean(long dim, bool keepdim = false) => mean([dim], keepdim);

    /// <summary>Standard deviation; <paramref name="dim"/> null reduces all dimensions.</summary>
    public Tensor std(long[]? dim = null, bool unbiased = true, bool keepdim = false)
    {
        var c = new OpCall(aten.std_dim);
        return c.Tensor(this).OptionalInts(dim).Bool(unbiased).Bool(keepdim).Call();
    }

    public Tensor var(long[]? dim = null, bool unbiased = true, bool keepdim = false)
    {
        var c = new OpCall(aten.var_dim);
        return c.Tensor(this).OptionalInts(dim).Bool(unbiased).Bool(keepdim).Call();
    }

    public Tensor prod() => Unary(aten.prod, this);

    public Tensor cumsum(long dim)
    {
        var c = new OpCall(aten.cumsum);
        return c.Tensor(this).Int(dim).Call();
    }

    public Tensor logsumexp(long[] dim, bool keepdim = false)
    {
        var c = new OpCall(aten.logsumexp);
        return c.Tensor(this).Ints(dim).Bool(keepdim).Call();
    }

    /// <summary>The p-norm over <paramref name="dim"/> (all elements when null), as <c>torch.linalg.vector_norm</c>.</summary>
    public Tensor norm(double p = 2, long[]? dim = null, bool keepdim = false)
    {
        var c = new OpCall(aten.linalg_vector_norm);
        return c.Tensor(this).Scalar(p).OptionalInts(dim).Bool(keepdim).Call();
    }

    public Tensor norm(double p, long dim, bool keepdim = false) => norm(p, [dim], keepdim);

    public Tensor min() => Unary(aten.min, this);
    public Tensor max() => Unary(aten.max, this);

    public (Tensor values, Tensor indices) min(long dim, bool keepdim = false) => Pair(aten.min_dim, dim, keepdim);

    public (Tensor values, Tensor indices) max(long dim, bool keepdim = false) => Pair(aten.max_dim, dim, keepdim);

    private (Tensor, Tensor) Pair(Op op, long dim, bool keepdim)
    {
        var c = new OpCall(op);
        var r = c.Tensor(this).Int(dim).Bool(keepdim).CallMany();
        return (r[0], r[1]);
    }

    public Tensor amax(long[] dim, bool keepdim = false)
    {
        var c = new OpCall(aten.amax);
        return c.Tensor(this).Ints(dim).Bool(keepdim).Call();
    }

    public Tensor amin(long[] dim, bool keepdim = false)
    {
        var c = new OpCall(aten.amin);
        return c.Tensor(this).Ints(dim).Bool(keepdim).Call();
    }

    public Tensor argmin(long? dim = null, bool keepdim = false)
    {
        var c = new OpCall(aten.argmin);
        return c.Tensor(this).OptionalInt(dim).Bool(keepdim).Call();
    }

    public Tensor argmax(long? dim = null, bool keepdim = false)
    {
        var c = new OpCall(aten.argmax);
        return c.Tensor(this).OptionalInt(dim).Bool(keepdim).Call();
    }

    public (Tensor values, Tensor indices) topk(long k, long dim = -1, bool largest = true, bool sorted = true)
    {
        var c = new OpCall(aten.topk);
        var r = c.Tensor(this).Int(k).Int(dim).Bool(largest).Bool(sorted).CallMany();
        return (r[0], r[1]);
    }

    public (Tensor values, Tensor indices) sort(long dim = -1, bool descending = false)
    {
        var c = new OpCall(aten.sort);
        var r = c.Tensor(this).Int(dim).Bool(descending).CallMany();
        return (r[0], r[1]);
    }

    public Tensor argsort(long dim = -1, bool descending = false)
    {
        var c = new OpCall(aten.argsort);
        return c.Tensor(this).Int(dim).Bool(descending).Call();
    }

    public (Tensor values, Tensor indices) kthvalue(long k, long dim = -1, bool keepdim = false)
    {
        var c = new OpCall(aten.kthvalue);
        var r = c.Tensor(this).Int(k).Int(dim).Bool(keepdim).CallMany();
        return (r[0], r[1]);
    }

    public Tensor median() => Unary(aten.median, this);

    /// <summary>The median along <paramref name="dim"/>: for an even count the lower of the two middle values, as <c>torch.median(dim)</c>.</summary>
    public (Tensor values, Tensor indices) median(long dim, bool keepdim = false) => Pair(aten.median_dim, dim, keepdim);

    public Tensor any() => Unary(aten.any, this);
    public Tensor all() => Unary(aten.all, this);

    // Linear algebra -----------------------------------------------------

    public Tensor matmul(Tensor other) => Binary(aten.matmul, this, other);
    public Tensor mm(Tensor other) => Binary(aten.mm, this, other);
    public Tensor bmm(Tensor other) => Binary(aten.bmm, this, other);
    public Tensor dot(Tensor other) => Binary(aten.dot, this, other);
    public Tensor outer(Tensor other) => Binary(aten.outer, this, other);

    /// <summary>The inverse of each square matrix in the last two dimensions (<c>torch.linalg.inv</c>); an error for a singular one.</summary>
    public Tensor inverse() => Unary(aten.linalg_inv, this);

    // Comparison and logic -----------------------------------------------

    public Tensor gt(Scalar other) => WithScalar(aten.gt_Scalar, this, other);
    public Tensor gt(Tensor other) => Binary(aten.gt_Tensor, this, other);
    public Tensor lt(Scalar other) => WithScalar(aten.lt_Scalar, this, other);
    public Tensor lt(Tensor other) => Binary(aten.lt_Tensor, this, other);
    public Tensor ge(Scalar other) => WithScalar(aten.ge_Scalar, this, other);
    public Tensor ge(Tensor other) => Binary(aten.ge_Tensor, this, other);
    public Tensor le(Scalar other) => WithScalar(aten.le_Scalar, this, other);
    public Tensor le(Tensor other) => Binary(aten.le_Tensor, this, other);
    public Tensor eq(Scalar other) => WithScalar(aten.eq_Scalar, this, other);
    public Tensor eq(Tensor other) => Binary(aten.eq_Tensor, this, other);
    public Tensor ne(Scalar other) => WithScalar(aten.ne_Scalar, this, other);
    public Tensor ne(Tensor other) => Binary(aten.ne_Tensor, this, other);
    public Tensor logical_and(Tensor other) => Binary(aten.logical_and, this, other);
    public Tensor logical_or(Tensor other) => Binary(aten.logical_or, this, other);
    public Tensor logical_not() => Unary(aten.logical_not, this);
    public Tensor isnan() => Unary(aten.isnan, this);
    public Tensor isfinite() => Unary(aten.isfinite, this);

    /// <summary>True when both tensors have the same shape and elements.</summary>
    public bool equal(Tensor other)
    {
        var c = new OpCall(aten.equal);
        return c.Tensor(this).Tensor(other).CallScalar() != 0;
    }

    public bool allclose(Tensor other, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false)
    {
        var c = new OpCall(aten.allclose);
        return c.Tensor(this).Tensor(other).Double(rtol).Double(atol).Bool(equal_nan).CallScalar() != 0;
    }

    // Operators ----------------------------------------------------------

    public static Tensor operator +(Tensor a, Tensor b) => a.add(b);
    public static Tensor operator +(Tensor a, Scalar b) => a.add(b);
    public static Tensor operator +(Scalar a, Tensor b) => b.add(a);
    public static Tensor operator -(Tensor a, Tensor b) => a.sub(b);
    public static Tensor operator -(Tensor a, Scalar b) => a.sub(b);
    public static Tensor operator -(Scalar a, Tensor b)
    {
        var c = new OpCall(aten.rsub_Scalar);
        return c.Tensor(b).Scalar(a).Call();
    }
    public static Tensor operator *(Tensor a, Tensor b) => a.mul(b);
    public static Tensor operator *(Tensor a, Scalar b) => a.mul(b);
    public static Tensor operator *(Scalar a, Tensor b) => b.mul(a);
    public static Tensor operator /(Tensor a, Tensor b) => a.div(b);
    public static Tensor operator /(Tensor a, Scalar b) => a.div(b);
    public static Tensor operator /(Scalar a, Tensor b)
    {
        using var r = b.reciprocal();
        return r.mul(a);
    }
    public static Tensor operator -(Tensor a) => a.neg();
    public static Tensor operator >(Tensor a, Scalar b) => a.gt(b);
    public static Tensor operator <(Tensor a, Scalar b) => a.lt(b);
    public static Tensor operator >=(Tensor a, Scalar b) => a.ge(b);
    public static Tensor operator <=(Tensor a, Scalar b) => a.le(b);
    public static Tensor operator >(Tensor a, Tensor b) => a.gt(b);
    public static Tensor operator <(Tensor a, Tensor b) => a.lt(b);
    public static Tensor operator >=(Tensor a, Tensor b) => a.ge(b);
    public static Tensor operator <=(Tensor a, Tensor b) => a.le(b);
    public static Tensor operator &(Tensor a, Tensor b) => a.logical_and(b);
    public static Tensor operator |(Tensor a, Tensor b) => a.logical_or(b);
    public static Tensor operator !(Tensor a) => a.logical_not();
}
