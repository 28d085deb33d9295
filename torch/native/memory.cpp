// Peak CUDA memory of libtorch's caching allocator (torch.cuda.max_memory_allocated and
// torch.cuda.reset_peak_memory_stats). Compiled with ABT_WITH_CUDA_MEMORY only when the libtorch in use
// ships c10_cuda (CMakeLists.txt); a CPU-only libtorch gets the answer "not available" (-1).
#include "anomalybench_torch.h"
#include "error.h"

#ifdef ABT_WITH_CUDA_MEMORY
#include <c10/cuda/CUDACachingAllocator.h>
#endif

extern "C" {

int abt_cuda_max_memory_allocated(int32_t device_index, int64_t* bytes) {
  ABT_TRY
#ifdef ABT_WITH_CUDA_MEMORY
  // allocated_bytes[0] is StatType::AGGREGATE in every libtorch since 1.9; the enum's namespace moved in 2.x.
  *bytes = static_cast<int64_t>(c10::cuda::CUDACachingAllocator::getDeviceStats(device_index).allocated_bytes[0].peak);
#else
  (void)device_index;
  *bytes = -1;
#endif
  ABT_CATCH
}

int abt_cuda_reset_peak_memory_stats(int32_t device_index) {
  ABT_TRY
#ifdef ABT_WITH_CUDA_MEMORY
  c10::cuda::CUDACachingAllocator::resetPeakStats(device_index);
#else
  (void)device_index;
#endif
  ABT_CATCH
}

}  // extern "C"
