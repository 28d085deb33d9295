// Image decode and PNG encode with stb_image / stb_image_write (Debian
// libstb-dev). Decoding yields a uint8 HWC tensor; stb reads PNG (8/16 bit,
// 16-bit converted to 8), JPEG (baseline and progressive), BMP, TGA, GIF,
// PSD, HDR, PIC and PNM. TIFF is not among them.
#include <ATen/ATen.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include "anomalybench_torch.h"
#include "error.h"

#define STB_IMAGE_IMPLEMENTATION
#define STBI_FAILURE_USERMSG
#include <stb/stb_image.h>
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>

namespace {
void check_size(int64_t len) {
  if (len <= 0 || len > INT32_MAX) throw std::invalid_argument("image buffer is empty or larger than 2 GiB");
}
}  // namespace

extern "C" {

int abt_image_info(const uint8_t* bytes, int64_t len, int32_t* width, int32_t* height, int32_t* channels) {
  ABT_TRY
  check_size(len);
  int w = 0, h = 0, c = 0;
  if (!stbi_info_from_memory(bytes, static_cast<int>(len), &w, &h, &c)) {
    throw std::runtime_error(std::string("not a readable image: ") + stbi_failure_reason());
  }
  *width = w;
  *height = h;
  *channels = c;
  ABT_CATCH
}

int abt_image_decode(const uint8_t* bytes, int64_t len, int32_t channels, abt_tensor* out) {
  ABT_TRY
  check_size(len);
  if (channels < 0 || channels > 4) throw std::invalid_argument("channels must be 0 (as stored) to 4");
  int w = 0, h = 0, c = 0;
  stbi_uc* pixels = stbi_load_from_memory(bytes, static_cast<int>(len), &w, &h, &c, channels);
  if (pixels == nullptr) throw std::runtime_error(std::string("cannot decode image: ") + stbi_failure_reason());
  const int64_t cc = channels == 0 ? c : channels;
  at::Tensor t = at::empty({h, w, cc}, at::kByte);
  std::memcpy(t.data_ptr(), pixels, static_cast<size_t>(h) * w * cc);
  stbi_image_free(pixels);
  at::Tensor* heap = nullptr;
  // Route through abt_tensor_alias so that the live-tensor count stays exact.
  abt_tensor tmp = &t;
  if (abt_tensor_alias(tmp, reinterpret_cast<abt_tensor*>(&heap)) != 0) return 1;
  *out = heap;
  ABT_CATCH
}

int abt_image_encode_png(abt_tensor hwc, uint8_t** bytes, int64_t* len) {
  ABT_TRY
  if (hwc == nullptr) throw std::invalid_argument("null tensor handle");
  at::Tensor t = static_cast<at::Tensor*>(hwc)->detach().to(at::kCPU).contiguous();
  if (t.scalar_type() != at::kByte || (t.dim() != 3 && t.dim() != 2)) {
    throw std::invalid_argument("PNG encoding wants a uint8 tensor [H,W] or [H,W,C], got " +
                                std::string(c10::toString(t.scalar_type())) + " with " + std::to_string(t.dim()) +
                                " dims");
  }
  const int h = static_cast<int>(t.size(0)), w = static_cast<int>(t.size(1));
  const int c = t.dim() == 3 ? static_cast<int>(t.size(2)) : 1;
  if (c < 1 || c > 4) throw std::invalid_argument("PNG encoding wants 1 to 4 channels, got " + std::to_string(c));
  std::vector<uint8_t> buffer;
  auto sink = [](void* ctx, void* data, int size) {
    auto* v = static_cast<std::vector<uint8_t>*>(ctx);
    v->insert(v->end(), static_cast<uint8_t*>(data), static_cast<uint8_t*>(data) + size);
  };
  if (!stbi_write_png_to_func(sink, &buffer, w, h, c, t.data_ptr(), w * c)) {
    throw std::runtime_error("PNG encoding failed");
  }
  *bytes = static_cast<uint8_t*>(std::malloc(buffer.size()));
  if (*bytes == nullptr) throw std::bad_alloc();
  std::memcpy(*bytes, buffer.data(), buffer.size());
  *len = static_cast<int64_t>(buffer.size());
  ABT_CATCH
}

}  // extern "C"
