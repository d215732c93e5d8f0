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

}  // namespace cnnvis

extern "C" CV_API const char* cv_last_error(void) { return cnnvis::last_error_cstr(); }
