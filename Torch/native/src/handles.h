// Handles crossing the boundary are heap-allocated at::Tensor objects owned by the caller.
#pragma once
#include <ATen/ATen.h>
#include <stdexcept>

#include "cnnvis_torch.h"

namespace cnnvis {

inline at::Tensor& as_tensor(cv_tensor t) {
  if (t == nullptr) throw std::invalid_argument("tensor handle is null");
  return *static_cast<at::Tensor*>(t);
}

inline cv_tensor new_handle(at::Tensor t) { return new at::Tensor(std::move(t)); }

}  // namespace cnnvis
