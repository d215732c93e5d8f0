// Handles crossing the boundary are heap-allocated at::Tensor objects owned by the caller.
#pragma once
#include <ATen/ATen.h>
#include <atomic>
#include <stdexcept>

#include "cnnvis_torch.h"

namespace cnnvis {

inline at::Tensor& as_tensor(cv_tensor t) {
  if (t == nullptr) throw std::invalid_argument("tensor handle is null");
  return *static_cast<at::Tensor*>(t);
}

// Handles alive right now, so that tests can prove an error path frees what it made.
inline std::atomic<int64_t> live_handles{0};

inline cv_tensor new_handle(at::Tensor t) {
  auto h = new at::Tensor(std::move(t));
  live_handles.fetch_add(1, std::memory_order_relaxed);
  return h;
}

inline void free_handle(cv_tensor t) {
  if (t == nullptr) return;
  delete static_cast<at::Tensor*>(t);
  live_handles.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace cnnvis
