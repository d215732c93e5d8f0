#include <ATen/Parallel.h>
#include <ATen/Context.h>
#include <torch/version.h>

#include <malloc.h>

#include <atomic>

#include "errors.h"

namespace {
// What cv_configure_allocator last set (0: never called, glibc's defaults stand). mallopt has no getter, and a host
// that never asked for the setting must be able to see that it has glibc's own.
std::atomic<int64_t> g_mmap_threshold{0};
std::atomic<int64_t> g_trim_threshold{0};
}  // namespace

extern "C" {

CV_API int cv_manual_seed(uint64_t seed) {
  CV_TRY
  at::manual_seed(seed);
  CV_CATCH
}

CV_API int cv_set_num_threads(int32_t n) {
  CV_TRY
  CV_REQUIRE(n > 0, "thread count must be positive, got " + std::to_string(n));
  at::set_num_threads(n);
  CV_CATCH
}

CV_API int cv_get_num_threads(int32_t* out) {
  CV_TRY
  *out = at::get_num_threads();
  CV_CATCH
}

CV_API int cv_version(const char** out) {
  CV_TRY
  *out = TORCH_VERSION;
  CV_CATCH
}

CV_API int cv_configure_allocator(int64_t mmap_threshold, int64_t trim_threshold) {
  CV_TRY
  CV_REQUIRE(mmap_threshold > 0 && mmap_threshold <= INT32_MAX, "mmap threshold must be between 1 byte and 2 GiB");
  CV_REQUIRE(trim_threshold > 0 && trim_threshold <= INT32_MAX, "trim threshold must be between 1 byte and 2 GiB");
  if (mallopt(M_MMAP_THRESHOLD, static_cast<int>(mmap_threshold)) != 1) throw std::runtime_error("mallopt(M_MMAP_THRESHOLD) failed");
  if (mallopt(M_TRIM_THRESHOLD, static_cast<int>(trim_threshold)) != 1) throw std::runtime_error("mallopt(M_TRIM_THRESHOLD) failed");
  g_mmap_threshold = mmap_threshold;
  g_trim_threshold = trim_threshold;
  CV_CATCH
}

CV_API int cv_allocator_settings(int64_t* mmap_threshold, int64_t* trim_threshold) {
  CV_TRY
  *mmap_threshold = g_mmap_threshold;
  *trim_threshold = g_trim_threshold;
  CV_CATCH
}

CV_API int cv_cuda_is_available(int32_t* out) {
  CV_TRY
  *out = at::hasCUDA() ? 1 : 0;
  CV_CATCH
}

}  // extern "C"
