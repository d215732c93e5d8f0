// Guided-backprop and deconvnet ReLUs as real operators (cnnvis::guided_relu, cnnvis::deconv_relu):
// called through the same boxed path as aten's, differentiable through custom autograd functions.
#include <torch/autograd.h>
#include <torch/library.h>

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Forward is ReLU; backward passes gradient only where both the input and the gradient are positive.
struct GuidedRelu : public torch::autograd::Function<GuidedRelu> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x) {
    auto y = at::relu(x);
    ctx->save_for_backward({x});
    return y;
  }
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto x = ctx->get_saved_variables()[0];
    auto g = grads[0];
    return {g.clamp_min(0).mul(x.gt(0).to(g.scalar_type()))};
  }
};

// Forward is ReLU; backward applies ReLU to the gradient, whatever the input was (Zeiler & Fergus).
struct DeconvRelu : public torch::autograd::Function<DeconvRelu> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x) { return at::relu(x); }
  static variable_list backward(AutogradContext* ctx, variable_list grads) { return {grads[0].clamp_min(0)}; }
};

at::Tensor guided_relu(const at::Tensor& x) { return GuidedRelu::apply(x); }
at::Tensor deconv_relu(const at::Tensor& x) { return DeconvRelu::apply(x); }

}  // namespace

TORCH_LIBRARY(cnnvis, m) {
  m.def("guided_relu(Tensor self) -> Tensor", &guided_relu);
  m.def("deconv_relu(Tensor self) -> Tensor", &deconv_relu);
}
