#include <c10/util/irange.h>
#include <cstring>

#include "errors.h"
#include "handles.h"

using cnnvis::as_tensor;
using cnnvis::new_handle;

namespace {

bool is_supported_dtype(int32_t dtype) {
  switch (static_cast<c10::ScalarType>(dtype)) {
    case c10::ScalarType::Byte:
    case c10::ScalarType::Char:
    case c10::ScalarType::Short:
    case c10::ScalarType::Int:
    case c10::ScalarType::Long:
    case c10::ScalarType::Float:
    case c10::ScalarType::Double:
    case c10::ScalarType::Bool:
    case c10::ScalarType::Half:
    case c10::ScalarType::BFloat16:
      return true;
    default:
      return false;
  }
}

}  // namespace

extern "C" {

CV_API int cv_tensor_from_data(const void* data, int32_t dtype, const int64_t* shape, int32_t ndim, cv_tensor* out) {
  CV_TRY
  CV_REQUIRE(out != nullptr, "output pointer is null");
  CV_REQUIRE(ndim >= 0 && ndim <= 64, "number of dimensions must be between 0 and 64");
  CV_REQUIRE(is_supported_dtype(dtype), "unsupported dtype code " + std::to_string(dtype));
  std::vector<int64_t> sizes(shape, shape + ndim);
  for (auto s : sizes) CV_REQUIRE(s >= 0, "shape has a negative size");
  auto options = at::TensorOptions().dtype(static_cast<c10::ScalarType>(dtype));
  at::Tensor t = at::empty(sizes, options);
  auto nbytes = t.numel() * static_cast<int64_t>(t.element_size());
  if (nbytes > 0) {
    CV_REQUIRE(data != nullptr, "data pointer is null");
    std::memcpy(t.data_ptr(), data, static_cast<size_t>(nbytes));
  }
  *out = new_handle(std::move(t));
  CV_CATCH
}

CV_API int cv_tensor_copy_to(cv_tensor t, void* dst, int64_t nbytes) {
  CV_TRY
  at::Tensor src = as_tensor(t).detach().to(at::kCPU).contiguous();
  auto have = src.numel() * static_cast<int64_t>(src.element_size());
  CV_REQUIRE(have == nbytes, "destination holds " + std::to_string(nbytes) + " bytes but the tensor has " +
                                 std::to_string(have));
  if (have > 0) std::memcpy(dst, src.data_ptr(), static_cast<size_t>(have));
  CV_CATCH
}

CV_API int cv_tensor_free(cv_tensor t) {
  CV_TRY
  cnnvis::free_handle(t);
  CV_CATCH
}

CV_API int cv_tensor_ndim(cv_tensor t, int32_t* out) {
  CV_TRY
  *out = static_cast<int32_t>(as_tensor(t).dim());
  CV_CATCH
}

CV_API int cv_tensor_sizes(cv_tensor t, int64_t* out, int32_t capacity) {
  CV_TRY
  auto& x = as_tensor(t);
  CV_REQUIRE(x.dim() <= capacity, "size buffer too small");
  for (auto i : c10::irange(x.dim())) out[i] = x.size(i);
  CV_CATCH
}

CV_API int cv_tensor_numel(cv_tensor t, int64_t* out) {
  CV_TRY
  *out = as_tensor(t).numel();
  CV_CATCH
}

CV_API int cv_tensor_dtype(cv_tensor t, int32_t* out) {
  CV_TRY
  *out = static_cast<int32_t>(as_tensor(t).scalar_type());
  CV_CATCH
}

CV_API int cv_tensor_device(cv_tensor t, int32_t* type, int32_t* index) {
  CV_TRY
  auto d = as_tensor(t).device();
  *type = static_cast<int32_t>(d.type());
  *index = d.has_index() ? d.index() : -1;
  CV_CATCH
}

CV_API int cv_tensor_requires_grad(cv_tensor t, int32_t* out) {
  CV_TRY
  *out = as_tensor(t).requires_grad() ? 1 : 0;
  CV_CATCH
}

CV_API int cv_tensor_set_requires_grad(cv_tensor t, int32_t requires_grad) {
  CV_TRY
  as_tensor(t).set_requires_grad(requires_grad != 0);
  CV_CATCH
}

CV_API int cv_tensor_is_leaf(cv_tensor t, int32_t* out) {
  CV_TRY
  *out = as_tensor(t).is_leaf() ? 1 : 0;
  CV_CATCH
}

CV_API int cv_tensor_grad(cv_tensor t, cv_tensor* out, int32_t* defined) {
  CV_TRY
  const auto& g = as_tensor(t).grad();
  *defined = g.defined() ? 1 : 0;
  *out = g.defined() ? new_handle(g) : nullptr;
  CV_CATCH
}

CV_API int cv_tensor_set_grad(cv_tensor t, cv_tensor grad_or_null) {
  CV_TRY
  as_tensor(t).mutable_grad() = grad_or_null ? as_tensor(grad_or_null) : at::Tensor();
  CV_CATCH
}

CV_API int cv_tensor_detach(cv_tensor t, cv_tensor* out) {
  CV_TRY
  *out = new_handle(as_tensor(t).detach());
  CV_CATCH
}

CV_API int cv_tensor_set_data(cv_tensor t, cv_tensor src) {
  CV_TRY
  as_tensor(t).set_data(as_tensor(src));
  CV_CATCH
}

CV_API int cv_tensor_is_contiguous(cv_tensor t, int32_t memory_format, int32_t* out) {
  CV_TRY
  CV_REQUIRE(memory_format >= 0 && memory_format <= 3, "unknown memory format " + std::to_string(memory_format));
  *out = as_tensor(t).is_contiguous(static_cast<c10::MemoryFormat>(memory_format)) ? 1 : 0;
  CV_CATCH
}

CV_API int cv_tensor_alias(cv_tensor t, cv_tensor* out) {
  CV_TRY
  *out = new_handle(as_tensor(t));
  CV_CATCH
}

CV_API int cv_tensor_item_double(cv_tensor t, double* out) {
  CV_TRY
  *out = as_tensor(t).item<double>();
  CV_CATCH
}

CV_API int cv_tensor_item_int64(cv_tensor t, int64_t* out) {
  CV_TRY
  *out = as_tensor(t).item<int64_t>();
  CV_CATCH
}

}  // extern "C"
