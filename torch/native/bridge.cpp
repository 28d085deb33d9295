// Tensor lifetime, operator calls through c10::Dispatcher, autograd roots and
// engine settings. See anomalybench_torch.h for the contract.
#include "anomalybench_torch.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <dlfcn.h>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "error.h"

// OpenMP's per-thread setter, weak so that the shim also loads with a libtorch built without
// OpenMP (then it is null and a thread's own count cannot be set).
extern "C" void omp_set_num_threads(int) __attribute__((weak));

namespace {

std::atomic<int64_t> g_live{0};

abt_tensor wrap(at::Tensor t) {
  g_live.fetch_add(1, std::memory_order_relaxed);
  return new at::Tensor(std::move(t));
}

at::Tensor& unwrap(abt_tensor t) {
  if (t == nullptr) throw std::invalid_argument("null tensor handle");
  return *static_cast<at::Tensor*>(t);
}

// Arguments are converted to the IValue the schema expects, so that C# may
// pass 1 where a float is wanted (and the reverse for whole doubles).
c10::IValue to_ivalue(const abt_arg& a, const c10::Argument& formal) {
  const auto kind = formal.type()->kind();
  switch (a.kind) {
    case ABT_NONE:
      return c10::IValue();
    case ABT_TENSOR:
      return c10::IValue(unwrap(const_cast<void*>(a.p)));
    case ABT_INT:
      if (kind == c10::TypeKind::FloatType) return c10::IValue(static_cast<double>(a.i));
      return c10::IValue(a.i);
    case ABT_DOUBLE:
      if (kind == c10::TypeKind::IntType) return c10::IValue(static_cast<int64_t>(a.d));
      return c10::IValue(a.d);
    case ABT_BOOL:
      return c10::IValue(a.i != 0);
    case ABT_INTS: {
      const auto* v = static_cast<const int64_t*>(a.p);
      return c10::IValue(std::vector<int64_t>(v, v + a.n));
    }
    case ABT_DOUBLES: {
      const auto* v = static_cast<const double*>(a.p);
      return c10::IValue(std::vector<double>(v, v + a.n));
    }
    case ABT_BOOLS: {
      const auto* v = static_cast<const uint8_t*>(a.p);
      c10::List<bool> list;
      for (int64_t k = 0; k < a.n; ++k) list.push_back(v[k] != 0);
      return c10::IValue(list);
    }
    case ABT_TENSORS: {
      const auto* v = static_cast<const abt_tensor*>(a.p);
      std::vector<at::Tensor> list;
      list.reserve(a.n);
      for (int64_t k = 0; k < a.n; ++k) list.push_back(unwrap(v[k]));
      return c10::IValue(list);
    }
    case ABT_OPT_TENSORS: {
      const auto* v = static_cast<const abt_tensor*>(a.p);
      c10::List<c10::optional<at::Tensor>> list;
      for (int64_t k = 0; k < a.n; ++k) {
        list.push_back(v[k] == nullptr ? c10::optional<at::Tensor>() : c10::optional<at::Tensor>(unwrap(v[k])));
      }
      return c10::IValue(list);
    }
    case ABT_SCALAR_TYPE:
      return c10::IValue(static_cast<c10::ScalarType>(a.i));
    case ABT_STRING:
      return c10::IValue(std::string(static_cast<const char*>(a.p)));
    case ABT_DEVICE:
      return c10::IValue(c10::Device(static_cast<c10::DeviceType>(a.i), static_cast<c10::DeviceIndex>(a.n)));
    default:
      throw std::invalid_argument("unknown argument kind " + std::to_string(a.kind));
  }
}

void flatten(const c10::IValue& v, std::vector<abt_value>& out) {
  abt_value r{};
  if (v.isTensor()) {
    const auto& t = v.toTensor();
    if (t.defined()) {
      r.kind = ABT_TENSOR;
      r.t = wrap(t);
    } else {
      r.kind = ABT_NONE;
    }
    out.push_back(r);
  } else if (v.isTensorList()) {
    for (const at::Tensor& t : v.toTensorVector()) flatten(c10::IValue(t), out);
  } else if (v.isTuple()) {
    for (const auto& e : v.toTupleRef().elements()) flatten(e, out);
  } else if (v.isList()) {
    for (const auto& e : v.toListRef()) flatten(e, out);
  } else if (v.isInt()) {
    r.kind = ABT_INT;
    r.i = v.toInt();
    out.push_back(r);
  } else if (v.isDouble()) {
    r.kind = ABT_DOUBLE;
    r.d = v.toDouble();
    out.push_back(r);
  } else if (v.isBool()) {
    r.kind = ABT_BOOL;
    r.i = v.toBool() ? 1 : 0;
    out.push_back(r);
  } else if (v.isNone()) {
    r.kind = ABT_NONE;
    out.push_back(r);
  } else {
    throw std::runtime_error("unsupported result type " + v.tagKind());
  }
}

}  // namespace

extern "C" {

const char* abt_version(void) { return TORCH_VERSION; }

int abt_op_find(const char* name, const char* overload, abt_op* op) {
  ABT_TRY
  auto handle = c10::Dispatcher::singleton().findSchemaOrThrow(name, overload == nullptr ? "" : overload);
  *op = new c10::OperatorHandle(handle);
  ABT_CATCH
}

int abt_op_schema(abt_op op, char* buf, int64_t cap) {
  ABT_TRY
  std::string s = c10::toString(static_cast<c10::OperatorHandle*>(op)->schema());
  std::snprintf(buf, static_cast<size_t>(cap), "%s", s.c_str());
  ABT_CATCH
}

int abt_call(abt_op op, const abt_arg* args, int32_t nargs, abt_value* out, int32_t cap, int32_t* nout) {
  ABT_TRY
  const auto& handle = *static_cast<c10::OperatorHandle*>(op);
  const auto& schema = handle.schema();
  const auto& formals = schema.arguments();
  if (static_cast<size_t>(nargs) > formals.size()) {
    throw std::invalid_argument(schema.name() + " takes " + std::to_string(formals.size()) + " arguments, got " +
                                std::to_string(nargs));
  }
  torch::jit::Stack stack;
  stack.reserve(formals.size());
  for (size_t k = 0; k < formals.size(); ++k) {
    if (k < static_cast<size_t>(nargs) && args[k].kind != ABT_DEFAULT) {
      stack.push_back(to_ivalue(args[k], formals[k]));
    } else if (formals[k].default_value().has_value()) {
      stack.push_back(*formals[k].default_value());
    } else {
      throw std::invalid_argument(schema.name() + ": argument '" + formals[k].name() + "' has no default");
    }
  }
  handle.callBoxed(stack);
  std::vector<abt_value> results;
  results.reserve(stack.size());
  for (const auto& v : stack) flatten(v, results);
  *nout = static_cast<int32_t>(results.size());
  if (results.size() <= static_cast<size_t>(cap)) {
    std::memcpy(out, results.data(), results.size() * sizeof(abt_value));
  } else {
    auto* heap = static_cast<abt_value*>(std::malloc(results.size() * sizeof(abt_value)));
    if (heap == nullptr) throw std::bad_alloc();
    std::memcpy(heap, results.data(), results.size() * sizeof(abt_value));
    out[0] = abt_value{};
    out[0].kind = ABT_OVERFLOW;
    out[0].t = heap;
  }
  ABT_CATCH
}

void abt_free(void* p) { std::free(p); }

void abt_tensor_free(abt_tensor t) {
  if (t == nullptr) return;
  delete static_cast<at::Tensor*>(t);
  g_live.fetch_sub(1, std::memory_order_relaxed);
}

int64_t abt_live_tensors(void) { return g_live.load(std::memory_order_relaxed); }

int abt_tensor_from_host(const void* data, const int64_t* shape, int32_t ndim, int32_t dtype, int32_t device_type,
                         int32_t device_index, abt_tensor* out) {
  ABT_TRY
  auto type = static_cast<c10::ScalarType>(dtype);
  at::Tensor t = at::empty(c10::IntArrayRef(shape, static_cast<size_t>(ndim)), at::TensorOptions().dtype(type));
  if (t.numel() > 0) std::memcpy(t.data_ptr(), data, t.nbytes());
  c10::Device device(static_cast<c10::DeviceType>(device_type), static_cast<c10::DeviceIndex>(device_index));
  if (device != t.device()) t = t.to(device);
  *out = wrap(std::move(t));
  ABT_CATCH
}

int abt_tensor_to_host(abt_tensor t, void* dst, int64_t nbytes) {
  ABT_TRY
  at::Tensor c = unwrap(t).detach().to(at::kCPU).contiguous();
  if (static_cast<int64_t>(c.nbytes()) != nbytes) {
    throw std::invalid_argument("destination holds " + std::to_string(nbytes) + " bytes, tensor has " +
                                std::to_string(c.nbytes()));
  }
  if (nbytes > 0) std::memcpy(dst, c.data_ptr(), static_cast<size_t>(nbytes));
  ABT_CATCH
}

int abt_tensor_alias(abt_tensor t, abt_tensor* out) {
  ABT_TRY
  *out = wrap(unwrap(t));
  ABT_CATCH
}

int abt_tensor_info(abt_tensor t, int32_t* ndim, int32_t* dtype, int32_t* device_type, int32_t* device_index,
                    int32_t* requires_grad, int32_t* defined) {
  ABT_TRY
  const at::Tensor& x = unwrap(t);
  *defined = x.defined() ? 1 : 0;
  if (!x.defined()) return 0;
  *ndim = static_cast<int32_t>(x.dim());
  *dtype = static_cast<int32_t>(x.scalar_type());
  *device_type = static_cast<int32_t>(x.device().type());
  *device_index = static_cast<int32_t>(x.device().index());
  *requires_grad = x.requires_grad() ? 1 : 0;
  ABT_CATCH
}

int abt_tensor_shape(abt_tensor t, int64_t* shape, int32_t cap) {
  ABT_TRY
  auto sizes = unwrap(t).sizes();
  if (sizes.size() > static_cast<size_t>(cap)) throw std::invalid_argument("shape buffer too small");
  std::copy(sizes.begin(), sizes.end(), shape);
  ABT_CATCH
}

int abt_tensor_strides(abt_tensor t, int64_t* strides, int32_t cap) {
  ABT_TRY
  auto s = unwrap(t).strides();
  if (s.size() > static_cast<size_t>(cap)) throw std::invalid_argument("stride buffer too small");
  std::copy(s.begin(), s.end(), strides);
  ABT_CATCH
}

int abt_set_requires_grad(abt_tensor t, int32_t value) {
  ABT_TRY
  unwrap(t).set_requires_grad(value != 0);
  ABT_CATCH
}

int abt_backward(abt_tensor t, abt_tensor grad, int32_t retain_graph, int32_t create_graph) {
  ABT_TRY
  std::vector<at::Tensor> grads;
  if (grad != nullptr) grads.push_back(unwrap(grad));
  torch::autograd::backward({unwrap(t)}, grads, c10::optional<bool>(retain_graph != 0), create_graph != 0);
  ABT_CATCH
}

int abt_grad(abt_tensor t, abt_tensor* out) {
  ABT_TRY
  const at::Tensor& g = unwrap(t).grad();
  *out = g.defined() ? wrap(g) : nullptr;
  ABT_CATCH
}

int abt_set_grad(abt_tensor t, abt_tensor grad) {
  ABT_TRY
  unwrap(t).mutable_grad() = grad == nullptr ? at::Tensor() : unwrap(grad);
  ABT_CATCH
}

int32_t abt_grad_enabled(void) { return c10::GradMode::is_enabled() ? 1 : 0; }

void abt_set_grad_enabled(int32_t enabled) { c10::GradMode::set_enabled(enabled != 0); }

int abt_manual_seed(uint64_t seed) {
  ABT_TRY
  // The CPU generator and, when present, every CUDA generator (torch.manual_seed).
  {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_current_seed(seed);
  }
  if (torch::cuda::is_available()) {
    for (size_t d = 0; d < torch::cuda::device_count(); ++d) {
      auto gen = at::globalContext().defaultGenerator(c10::Device(c10::DeviceType::CUDA, static_cast<c10::DeviceIndex>(d)));
      std::lock_guard<std::mutex> lock(gen.mutex());
      gen.set_current_seed(seed);
    }
  }
  ABT_CATCH
}

int32_t abt_get_num_threads(void) { return static_cast<int32_t>(at::get_num_threads()); }

int abt_set_num_threads(int32_t n) {
  ABT_TRY
  if (n < 1) throw std::invalid_argument("thread count must be at least 1, got " + std::to_string(n));
  at::set_num_threads(n);
  ABT_CATCH
}

int abt_set_thread_num_threads(int32_t n) {
  ABT_TRY
  if (n < 1) throw std::invalid_argument("thread count must be at least 1, got " + std::to_string(n));
  // at::get_num_threads runs libtorch's lazy per-thread initialisation first, so that it cannot
  // later overwrite the count set here with the process-wide one.
  at::get_num_threads();
  if (omp_set_num_threads != nullptr) omp_set_num_threads(n);
  ABT_CATCH
}

int abt_blas_library(char* buf, int64_t cap) {
  ABT_TRY
  void* sym = dlsym(RTLD_DEFAULT, "sgemm_");
  Dl_info info{};
  std::string path = "(none: BLAS linked statically or absent)";
  if (sym != nullptr && dladdr(sym, &info) != 0 && info.dli_fname != nullptr) {
    char* real = realpath(info.dli_fname, nullptr);
    path = real != nullptr ? real : info.dli_fname;
    std::free(real);
  }
  std::snprintf(buf, static_cast<size_t>(cap), "%s", path.c_str());
  ABT_CATCH
}

int32_t abt_cuda_is_available(void) {
  try {
    return torch::cuda::is_available() ? 1 : 0;
  } catch (...) {
    return 0;
  }
}

int32_t abt_cuda_device_count(void) {
  try {
    return static_cast<int32_t>(torch::cuda::device_count());
  } catch (...) {
    return 0;
  }
}

int abt_cuda_synchronize(int32_t device_index) {
  ABT_TRY
  torch::cuda::synchronize(device_index);
  ABT_CATCH
}

int abt_bench_native_loop(const char* which, abt_tensor a, abt_tensor b, int64_t iterations) {
  ABT_TRY
  const at::Tensor& x = unwrap(a);
  const at::Tensor& y = unwrap(b);
  const std::string op(which);
  for (int64_t k = 0; k < iterations; ++k) {
    if (op == "add") {
      at::Tensor r = at::add(x, y);
    } else if (op == "conv2d") {
      at::Tensor r = at::conv2d(x, y, {}, 1, 1);
    } else {
      throw std::invalid_argument("unknown benchmark op '" + op + "' (add, conv2d)");
    }
  }
  if (x.is_cuda()) torch::cuda::synchronize(x.device().index());
  ABT_CATCH
}

}  // extern "C"
