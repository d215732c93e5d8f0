// Image decode/encode with Debian's stb (libstb-dev): PNG, JPEG, BMP, GIF in; PNG out.
#include <stb_image.h>
#include <stb_image_write.h>

#include <cstdlib>
#include <cstring>

#include "errors.h"
#include "handles.h"

using cnnvis::as_tensor;
using cnnvis::new_handle;

namespace {

void append_bytes(void* context, void* data, int size) {
  auto v = static_cast<std::vector<unsigned char>*>(context);
  auto p = static_cast<unsigned char*>(data);
  v->insert(v->end(), p, p + size);
}

}  // namespace

extern "C" {

CV_API int cv_image_decode(const void* bytes, int64_t nbytes, int32_t channels, cv_tensor* out) {
  CV_TRY
  CV_REQUIRE(nbytes > 0, "the image is empty");
  CV_REQUIRE(nbytes <= INT32_MAX, "the image is larger than 2 GiB");
  CV_REQUIRE(channels >= 0 && channels <= 4, "channels must be 0 (as stored), 1, 2, 3 or 4");
  int w = 0, h = 0, c = 0;
  unsigned char* pixels = stbi_load_from_memory(static_cast<const unsigned char*>(bytes), static_cast<int>(nbytes), &w, &h, &c, channels);
  if (pixels == nullptr) throw std::runtime_error(std::string("cannot decode image: ") + stbi_failure_reason());
  int have = channels ? channels : c;
  at::Tensor t = at::empty({h, w, have}, at::kByte);
  std::memcpy(t.data_ptr(), pixels, static_cast<size_t>(h) * w * have);
  stbi_image_free(pixels);
  *out = new_handle(std::move(t));
  CV_CATCH
}

CV_API int cv_image_encode_png(cv_tensor t, void** data, int64_t* nbytes) {
  CV_TRY
  auto x = as_tensor(t);
  CV_REQUIRE(x.scalar_type() == at::kByte, std::string("PNG encode needs a uint8 tensor, got ") + c10::toString(x.scalar_type()));
  CV_REQUIRE(x.dim() == 3 || x.dim() == 2, "PNG encode needs an HxWxC or HxW tensor, got " + std::to_string(x.dim()) + " dimensions");
  if (x.dim() == 2) x = x.unsqueeze(2);
  int h = static_cast<int>(x.size(0)), w = static_cast<int>(x.size(1)), c = static_cast<int>(x.size(2));
  CV_REQUIRE(c == 1 || c == 2 || c == 3 || c == 4, "PNG encode needs 1, 2, 3 or 4 channels, got " + std::to_string(c));
  CV_REQUIRE(h > 0 && w > 0, "PNG encode needs a non-empty image");
  x = x.to(at::kCPU).contiguous();
  std::vector<unsigned char> buf;
  if (!stbi_write_png_to_func(append_bytes, &buf, w, h, c, x.data_ptr(), w * c))
    throw std::runtime_error("PNG encoding failed");
  void* p = std::malloc(buf.size());
  if (!p) throw std::bad_alloc();
  std::memcpy(p, buf.data(), buf.size());
  *data = p;
  *nbytes = static_cast<int64_t>(buf.size());
  CV_CATCH
}

CV_API int cv_free(void* p) {
  CV_TRY
  std::free(p);
  CV_CATCH
}

}  // extern "C"
