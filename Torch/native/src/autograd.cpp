#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <c10/util/irange.h>

#include "errors.h"
#include "handles.h"

using cnnvis::as_tensor;
using cnnvis::new_handle;

extern "C" {

CV_API int cv_backward(cv_tensor t, cv_tensor grad_or_null, int32_t retain_graph, int32_t create_graph) {
  CV_TRY
  auto& x = as_tensor(t);
  CV_REQUIRE(x.requires_grad(), "backward: the tensor does not require grad and has no grad_fn");
  at::Tensor g = grad_or_null ? as_tensor(grad_or_null) : at::Tensor();
  x.backward(g, retain_graph ? c10::optional<bool>(true) : c10::optional<bool>(false), create_graph != 0);
  CV_CATCH
}

CV_API int cv_autograd_grad(const cv_tensor* outputs, const cv_tensor* grad_outputs, int32_t noutputs,
                            const cv_tensor* inputs, int32_t ninputs, int32_t retain_graph, int32_t create_graph,
                            int32_t allow_unused, cv_tensor* results) {
  CV_TRY
  CV_REQUIRE(noutputs > 0, "autograd.grad needs at least one output");
  CV_REQUIRE(ninputs > 0, "autograd.grad needs at least one input");
  torch::autograd::variable_list outs, grads, ins;
  for (auto k : c10::irange(noutputs)) {
    outs.push_back(as_tensor(outputs[k]));
    grads.push_back(grad_outputs && grad_outputs[k] ? as_tensor(grad_outputs[k]) : at::Tensor());
  }
  for (auto k : c10::irange(ninputs)) ins.push_back(as_tensor(inputs[k]));
  auto res = torch::autograd::grad(outs, ins, grads, retain_graph ? c10::optional<bool>(true) : c10::optional<bool>(false),
                                   create_graph != 0, allow_unused != 0);
  for (auto k : c10::irange(ninputs)) results[k] = res[k].defined() ? new_handle(res[k]) : nullptr;
  CV_CATCH
}

CV_API int cv_set_grad_enabled(int32_t enabled, int32_t* previous) {
  CV_TRY
  if (previous) *previous = c10::GradMode::is_enabled() ? 1 : 0;
  c10::GradMode::set_enabled(enabled != 0);
  CV_CATCH
}

CV_API int cv_is_grad_enabled(int32_t* out) {
  CV_TRY
  *out = c10::GradMode::is_enabled() ? 1 : 0;
  CV_CATCH
}

}  // extern "C"
