// The one way an exception is stopped at the C boundary.
#pragma once
#include <c10/util/Exception.h>
#include <exception>
#include <string>

#include "cnnvis_torch.h"

namespace cnnvis {

void set_last_error(const char* message);
void set_last_error(const std::string& message);

// libtorch's own messages carry a C++ backtrace after the first line; users need only the message.
std::string short_message(const c10::Error& e);
const char* last_error_cstr();

}  // namespace cnnvis

#define CV_TRY try {
#define CV_CATCH                                                  \
  return CV_OK;                                                   \
  }                                                               \
  catch (const c10::Error& e) {                                   \
    cnnvis::set_last_error(cnnvis::short_message(e));             \
  }                                                               \
  catch (const std::exception& e) {                               \
    cnnvis::set_last_error(e.what());                             \
  }                                                               \
  catch (...) {                                                   \
    cnnvis::set_last_error("unknown native error");               \
  }                                                               \
  return CV_ERROR;

#define CV_REQUIRE(cond, msg) \
  if (!(cond)) throw std::invalid_argument(msg)
