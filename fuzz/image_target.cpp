// libFuzzer target for the image decoder (cv_image_decode): the input is the file's bytes, decoded as
// stored and as RGB, under a 4-megapixel limit so that a declared size cannot outgrow the fuzzer's memory.
#include <cstddef>
#include <cstdint>
#include <initializer_list>

#include "cnnvis_torch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  for (int32_t channels : {0, 3}) {
    cv_tensor t = nullptr;
    if (cv_image_decode(data, static_cast<int64_t>(size), channels, 4 << 20, &t) == CV_OK) {
      int64_t numel = 0;
      cv_tensor_numel(t, &numel);
      cv_tensor_free(t);
    }
  }
  return 0;
}
