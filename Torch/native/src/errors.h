// The one way an exception is stopped at the C boundary.
#pragma once
#include <c10/util/Exception.h>
#include <exception>
#include <new>
#include <string>

#include "cnnvis_torch.h"

namespace cnnvis {

void set_last_error(const char* message);
void set_last_error(const std::string& message);

// libtorch's own messages carry a C++ backtrace after the first line; users need only the message.
std::string short_message(const c10::Error& e);
const char* last_error_cstr();

// CV_ERROR, CV_OUT_OF_MEMORY or CV_INTERNAL for a libtorch error: its allocator and its internal assertions
// report through the same c10::Error as a refused argument, told apart only by type or message.
int status_of(const c10::Error& e);

}  // namespace cnnvis

#define CV_TRY try {
#define CV_CATCH                                                  \
  return CV_OK;                                                   \
  }                                                               \
  catch (const c10::Error& e) {                                   \
    cnnvis::set_last_error(cnnvis::short_message(e));             \
    return cnnvis::status_of(e);                                  \
  }                                                               \
  catch (const std::bad_alloc& e) {                               \
    cnnvis::set_last_error(std::string("out of memory: ") + e.what()); \
    return CV_OUT_OF_MEMORY;                                      \
  }                                                               \
  catch (const std::exception& e) {                               \
    cnnvis::set_last_error(e.what());                             \
    return CV_ERROR;                                              \
  }                                                               \
  catch (...) {                                                   \
    cnnvis::set_last_error("unknown native error");               \
    return CV_INTERNAL;                                           \
  }

#define CV_REQUIRE(cond, msg) \
  if (!(cond)) throw std::invalid_argument(msg)
