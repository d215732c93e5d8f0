#include "errors.h"

namespace cnnvis {

namespace {
thread_local std::string last_error;
}

void set_last_error(const char* message) { last_error = message ? message : "unknown native error"; }
void set_last_error(const std::string& message) { last_error = message; }

std::string short_message(const c10::Error& e) {
  std::string m = e.what_without_backtrace();
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

const char* last_error_cstr() { return last_error.c_str(); }

int status_of(const c10::Error& e) {
  if (dynamic_cast<const c10::OutOfMemoryError*>(&e) != nullptr) return CV_OUT_OF_MEMORY;
  const std::string m = e.what_without_backtrace();
  // alloc_cpu's CAFFE_ENFORCE when posix_memalign fails; SizesAndStrides' own allocation failures.
  if (m.find("DefaultCPUAllocator: can't allocate memory") != std::string::npos ||
      m.find("Could not allocate memory") != std::string::npos)
    return CV_OUT_OF_MEMORY;
  if (m.find("INTERNAL ASSERT FAILED") != std::string::npos) return CV_INTERNAL;
  return CV_ERROR;
}

}  // namespace cnnvis

extern "C" CV_API const char* cv_last_error(void) { return cnnvis::last_error_cstr(); }
