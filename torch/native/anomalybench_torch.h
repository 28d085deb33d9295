// The C ABI of the AnomalyBench libtorch bridge.
//
// Kept deliberately small: one generic entry point calls any ATen operator by
// schema name through c10::Dispatcher (so every op, with autograd, reaches C#
// through one P/Invoke); the rest is what the dispatcher cannot express
// (tensor lifetime, host copies, autograd roots, global engine settings,
// image codecs). Every function returns 0 on success or a non-zero code with
// a message readable through abt_last_error(); no C++ exception crosses it.
#pragma once
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ABT_API __attribute__((visibility("default")))

typedef void* abt_tensor;  // heap-allocated at::Tensor, freed by abt_tensor_free
typedef void* abt_op;      // resolved c10::OperatorHandle, lives for the process

enum abt_kind {
  ABT_DEFAULT = -1,  // argument: use the schema's default value
  ABT_NONE = 0,      // None / undefined tensor
  ABT_TENSOR = 1,
  ABT_INT = 2,
  ABT_DOUBLE = 3,
  ABT_BOOL = 4,
  ABT_INTS = 5,         // p: const int64_t*, n: count
  ABT_DOUBLES = 6,      // p: const double*, n: count
  ABT_TENSORS = 7,      // p: const abt_tensor*, n: count
  ABT_OPT_TENSORS = 8,  // Tensor?[]: null entries are None
  ABT_SCALAR_TYPE = 9,  // i: c10::ScalarType code
  ABT_STRING = 10,      // p: NUL-terminated UTF-8
  ABT_DEVICE = 11,      // i: c10::DeviceType code, n: device index
  ABT_BOOLS = 12,       // p: const uint8_t*, n: count
  ABT_OVERFLOW = 100    // result only: see abt_call
};

typedef struct {
  int32_t kind;
  int32_t reserved;
  int64_t i;
  double d;
  const void* p;
  int64_t n;
} abt_arg;

typedef struct {
  int32_t kind;  // ABT_TENSOR, ABT_INT, ABT_DOUBLE, ABT_BOOL or ABT_NONE
  int32_t reserved;
  int64_t i;
  double d;
  abt_tensor t;
} abt_value;

ABT_API const char* abt_last_error(void);
ABT_API const char* abt_version(void);

// Operators. abt_op_find resolves "aten::conv2d" + overload ("" for none).
// abt_call fills missing trailing arguments (and ABT_DEFAULT ones) from the
// schema, coerces int/double to the schema's numeric type, and writes the
// results flattened (tuples and tensor lists expanded) into out[0..cap).
// When there are more than cap results, *nout is their count, out[0] has
// kind ABT_OVERFLOW and out[0].t points to a malloc'd abt_value array that
// the caller frees with abt_free.
ABT_API int abt_op_find(const char* name, const char* overload, abt_op* op);
ABT_API int abt_op_schema(abt_op op, char* buf, int64_t cap);
ABT_API int abt_call(abt_op op, const abt_arg* args, int32_t nargs, abt_value* out, int32_t cap, int32_t* nout);
ABT_API void abt_free(void* p);

// Tensor lifetime, host copies and queries.
ABT_API void abt_tensor_free(abt_tensor t);
ABT_API int64_t abt_live_tensors(void);
ABT_API int abt_tensor_from_host(const void* data, const int64_t* shape, int32_t ndim, int32_t dtype,
                                 int32_t device_type, int32_t device_index, abt_tensor* out);
ABT_API int abt_tensor_to_host(abt_tensor t, void* dst, int64_t nbytes);
ABT_API int abt_tensor_alias(abt_tensor t, abt_tensor* out);
ABT_API int abt_tensor_info(abt_tensor t, int32_t* ndim, int32_t* dtype, int32_t* device_type,
                            int32_t* device_index, int32_t* requires_grad, int32_t* defined);
ABT_API int abt_tensor_shape(abt_tensor t, int64_t* shape, int32_t cap);
ABT_API int abt_tensor_strides(abt_tensor t, int64_t* strides, int32_t cap);

// Autograd.
ABT_API int abt_set_requires_grad(abt_tensor t, int32_t value);
ABT_API int abt_backward(abt_tensor t, abt_tensor grad_or_null, int32_t retain_graph, int32_t create_graph);
ABT_API int abt_grad(abt_tensor t, abt_tensor* out);  // *out = NULL when no gradient
ABT_API int abt_set_grad(abt_tensor t, abt_tensor grad_or_null);
ABT_API int32_t abt_grad_enabled(void);
ABT_API void abt_set_grad_enabled(int32_t enabled);  // thread-local, as in PyTorch

// Engine settings.
ABT_API int abt_manual_seed(uint64_t seed);
ABT_API int32_t abt_get_num_threads(void);
ABT_API int abt_set_num_threads(int32_t n);
// The calling OS thread's own intra-op count (OpenMP builds; a no-op otherwise); the process-wide
// count that at::set_num_threads keeps for threads not yet started is left unchanged.
ABT_API int abt_set_thread_num_threads(int32_t n);
ABT_API int abt_blas_library(char* buf, int64_t cap);  // the shared object that provides sgemm_
ABT_API int32_t abt_cuda_is_available(void);
ABT_API int32_t abt_cuda_device_count(void);
ABT_API int abt_cuda_synchronize(int32_t device_index);
// Peak bytes allocated by the CUDA caching allocator since the last reset; -1 when this libtorch has no CUDA.
ABT_API int abt_cuda_max_memory_allocated(int32_t device_index, int64_t* bytes);
ABT_API int abt_cuda_reset_peak_memory_stats(int32_t device_index);

// Images (stb_image / stb_image_write).
ABT_API int abt_image_decode(const uint8_t* bytes, int64_t len, int32_t channels, abt_tensor* out);
ABT_API int abt_image_info(const uint8_t* bytes, int64_t len, int32_t* width, int32_t* height, int32_t* channels);
ABT_API int abt_image_encode_png(abt_tensor hwc_uint8, uint8_t** bytes, int64_t* len);

// Benchmark reference: the same work as the bridge benchmarks, as direct
// C++ calls in a C++ loop ("add": a + b; "conv2d": conv2d(a, b, padding 1)).
ABT_API int abt_bench_native_loop(const char* which, abt_tensor a, abt_tensor b, int64_t iterations);

#ifdef __cplusplus
}
#endif
