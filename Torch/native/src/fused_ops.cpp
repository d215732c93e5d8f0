// Batch normalisation and ReLU as one operator (cnnvis::batch_norm_relu), for the conv → BN → ReLU blocks that
// make up most CNNs. Eager PyTorch runs them as two operators: batch_norm writes a normalised tensor that relu
// reads and writes again, and in backward threshold_backward writes a masked gradient that batch_norm_backward
// reads twice. Here the forward computes the statistics and writes max(0, x * scale + shift) once; the backward
// folds the ReLU mask into batch norm's two passes. Same maths as batch_norm followed by relu, in float32 or
// float64, for 4-D CPU tensors contiguous in channels-last or standard layout; anything else takes the composite
// route (at::batch_norm then at::relu), so the operator is correct everywhere and fast where it matters.
#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <torch/autograd.h>
#include <torch/library.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace {

// The loops are plain C++; the compiler vectorises them once per instruction set and the loader picks the best
// one the machine has (GCC function multi-versioning).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CNNVIS_VECTOR_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define CNNVIS_VECTOR_CLONES
#endif

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Reductions add up blocks of this many rows (or elements) in the input's own type, then the block's sum in
// double: float blocks vectorise well, and double totals keep the error independent of the tensor's size.
constexpr int64_t kBlock = 256;
// Work is cut into at most this many tasks, so partial sums (and therefore results) do not depend on how many
// threads run them.
constexpr int64_t kTasks = 32;

// The layout of a 4-D tensor as the kernels see it: channels-last is a [rows, C] matrix (rows = N*H*W);
// standard layout is N blocks of C planes of `plane` elements.
struct Layout {
  bool channels_last;
  int64_t n, c, plane, rows;
};

Layout layout_of(const at::Tensor& x) {
  auto n = x.size(0), c = x.size(1), plane = x.size(2) * x.size(3);
  return {!x.is_contiguous() && x.is_contiguous(at::MemoryFormat::ChannelsLast), n, c, plane, n * plane};
}

// --- channels-last kernels over rows [r0, r1) of a [rows, C] matrix -----------------------------------------

template <typename T>
inline void cl_sum_block(const T* x, int64_t r0, int64_t r1, int64_t C, const T* center, T* acc, double* total) {
  for (int64_t b = r0; b < r1; b += kBlock) {
    std::fill(acc, acc + C, T(0));
    auto e = std::min(r1, b + kBlock);
    if (center == nullptr) {
      for (int64_t r = b; r < e; r++) {
        const T* row = x + r * C;
        for (int64_t c = 0; c < C; c++) acc[c] += row[c];
      }
    } else {
      // Squared distances from the mean (the second pass of the variance).
      for (int64_t r = b; r < e; r++) {
        const T* row = x + r * C;
        for (int64_t c = 0; c < C; c++) {
          T d = row[c] - center[c];
          acc[c] += d * d;
        }
      }
    }
    for (int64_t c = 0; c < C; c++) total[c] += acc[c];
  }
}

CNNVIS_VECTOR_CLONES void cl_sum(const float* x, int64_t r0, int64_t r1, int64_t C, const float* center, float* acc, double* total) {
  cl_sum_block(x, r0, r1, C, center, acc, total);
}
CNNVIS_VECTOR_CLONES void cl_sum(const double* x, int64_t r0, int64_t r1, int64_t C, const double* center, double* acc, double* total) {
  cl_sum_block(x, r0, r1, C, center, acc, total);
}

// y = max(0, fma(x - center, alpha, beta)). In evaluation mode center is 0 and this is batch_norm's own form
// (x * alpha + beta, one rounding): bit for bit what at::batch_norm then at::relu give on CPUs with FMA. In training
// the batch mean is subtracted first, which keeps precision when the mean is large against the spread.
template <typename T>
inline void cl_apply_block(const T* x, T* y, int64_t r0, int64_t r1, int64_t C, const T* center, const T* alpha, const T* beta) {
  for (int64_t r = r0; r < r1; r++) {
    const T* xr = x + r * C;
    T* yr = y + r * C;
    for (int64_t c = 0; c < C; c++) {
      T v = std::fma(xr[c] - center[c], alpha[c], beta[c]);
      yr[c] = v < T(0) ? T(0) : v;  // NaN stays NaN, as in relu
    }
  }
}

CNNVIS_VECTOR_CLONES void cl_apply(const float* x, float* y, int64_t r0, int64_t r1, int64_t C, const float* center, const float* alpha,
                                   const float* beta) {
  cl_apply_block(x, y, r0, r1, C, center, alpha, beta);
}
CNNVIS_VECTOR_CLONES void cl_apply(const double* x, double* y, int64_t r0, int64_t r1, int64_t C, const double* center, const double* alpha,
                                   const double* beta) {
  cl_apply_block(x, y, r0, r1, C, center, alpha, beta);
}

// Backward reductions: g = dy where y > 0 (0 elsewhere); s1 += g, s2 += g * (x - mean).
template <typename T>
inline void cl_grad_sums_block(const T* dy, const T* y, const T* x, int64_t r0, int64_t r1, int64_t C, const T* mean, T* a1, T* a2,
                               double* s1, double* s2) {
  for (int64_t b = r0; b < r1; b += kBlock) {
    std::fill(a1, a1 + C, T(0));
    std::fill(a2, a2 + C, T(0));
    auto e = std::min(r1, b + kBlock);
    for (int64_t r = b; r < e; r++) {
      const T* dyr = dy + r * C;
      const T* yr = y + r * C;
      const T* xr = x + r * C;
      for (int64_t c = 0; c < C; c++) {
        T g = yr[c] <= T(0) ? T(0) : dyr[c];
        a1[c] += g;
        a2[c] += g * (xr[c] - mean[c]);
      }
    }
    for (int64_t c = 0; c < C; c++) {
      s1[c] += a1[c];
      s2[c] += a2[c];
    }
  }
}

CNNVIS_VECTOR_CLONES void cl_grad_sums(const float* dy, const float* y, const float* x, int64_t r0, int64_t r1, int64_t C, const float* mean,
                                       float* a1, float* a2, double* s1, double* s2) {
  cl_grad_sums_block(dy, y, x, r0, r1, C, mean, a1, a2, s1, s2);
}
CNNVIS_VECTOR_CLONES void cl_grad_sums(const double* dy, const double* y, const double* x, int64_t r0, int64_t r1, int64_t C,
                                       const double* mean, double* a1, double* a2, double* s1, double* s2) {
  cl_grad_sums_block(dy, y, x, r0, r1, C, mean, a1, a2, s1, s2);
}

// dx = g * A + (x - mean) * B + D per channel (B = D = 0 in evaluation mode).
template <typename T>
inline void cl_grad_input_block(const T* dy, const T* y, const T* x, T* dx, int64_t r0, int64_t r1, int64_t C, const T* mean, const T* A,
                                const T* B, const T* D) {
  for (int64_t r = r0; r < r1; r++) {
    const T* dyr = dy + r * C;
    const T* yr = y + r * C;
    const T* xr = x + r * C;
    T* dxr = dx + r * C;
    for (int64_t c = 0; c < C; c++) {
      T g = yr[c] <= T(0) ? T(0) : dyr[c];
      dxr[c] = g * A[c] + (xr[c] - mean[c]) * B[c] + D[c];
    }
  }
}

CNNVIS_VECTOR_CLONES void cl_grad_input(const float* dy, const float* y, const float* x, float* dx, int64_t r0, int64_t r1, int64_t C,
                                        const float* mean, const float* A, const float* B, const float* D) {
  cl_grad_input_block(dy, y, x, dx, r0, r1, C, mean, A, B, D);
}
CNNVIS_VECTOR_CLONES void cl_grad_input(const double* dy, const double* y, const double* x, double* dx, int64_t r0, int64_t r1, int64_t C,
                                        const double* mean, const double* A, const double* B, const double* D) {
  cl_grad_input_block(dy, y, x, dx, r0, r1, C, mean, A, B, D);
}

// --- standard-layout kernels over one plane of `len` elements -----------------------------------------------

template <typename T>
inline void plane_sums_block(const T* x, int64_t len, T center, bool squared, double* total) {
  for (int64_t b = 0; b < len; b += kBlock) {
    auto e = std::min(len, b + kBlock);
    T acc = 0;
    if (squared) {
      for (int64_t i = b; i < e; i++) {
        T d = x[i] - center;
        acc += d * d;
      }
    } else {
      for (int64_t i = b; i < e; i++) acc += x[i];
    }
    *total += acc;
  }
}

CNNVIS_VECTOR_CLONES void plane_sums(const float* x, int64_t len, float center, bool squared, double* total) {
  plane_sums_block(x, len, center, squared, total);
}
CNNVIS_VECTOR_CLONES void plane_sums(const double* x, int64_t len, double center, bool squared, double* total) {
  plane_sums_block(x, len, center, squared, total);
}

template <typename T>
inline void plane_apply_block(const T* x, T* y, int64_t len, T center, T alpha, T beta) {
  for (int64_t i = 0; i < len; i++) {
    T v = std::fma(x[i] - center, alpha, beta);
    y[i] = v < T(0) ? T(0) : v;
  }
}

CNNVIS_VECTOR_CLONES void plane_apply(const float* x, float* y, int64_t len, float center, float alpha, float beta) {
  plane_apply_block(x, y, len, center, alpha, beta);
}
CNNVIS_VECTOR_CLONES void plane_apply(const double* x, double* y, int64_t len, double center, double alpha, double beta) {
  plane_apply_block(x, y, len, center, alpha, beta);
}

template <typename T>
inline void plane_grad_sums_block(const T* dy, const T* y, const T* x, int64_t len, T mean, double* s1, double* s2) {
  for (int64_t b = 0; b < len; b += kBlock) {
    auto e = std::min(len, b + kBlock);
    T a1 = 0, a2 = 0;
    for (int64_t i = b; i < e; i++) {
      T g = y[i] <= T(0) ? T(0) : dy[i];
      a1 += g;
      a2 += g * (x[i] - mean);
    }
    *s1 += a1;
    *s2 += a2;
  }
}

CNNVIS_VECTOR_CLONES void plane_grad_sums(const float* dy, const float* y, const float* x, int64_t len, float mean, double* s1, double* s2) {
  plane_grad_sums_block(dy, y, x, len, mean, s1, s2);
}
CNNVIS_VECTOR_CLONES void plane_grad_sums(const double* dy, const double* y, const double* x, int64_t len, double mean, double* s1, double* s2) {
  plane_grad_sums_block(dy, y, x, len, mean, s1, s2);
}

template <typename T>
inline void plane_grad_input_block(const T* dy, const T* y, const T* x, T* dx, int64_t len, T mean, T A, T B, T D) {
  for (int64_t i = 0; i < len; i++) {
    T g = y[i] <= T(0) ? T(0) : dy[i];
    dx[i] = g * A + (x[i] - mean) * B + D;
  }
}

CNNVIS_VECTOR_CLONES void plane_grad_input(const float* dy, const float* y, const float* x, float* dx, int64_t len, float mean, float A, float B,
                                           float D) {
  plane_grad_input_block(dy, y, x, dx, len, mean, A, B, D);
}
CNNVIS_VECTOR_CLONES void plane_grad_input(const double* dy, const double* y, const double* x, double* dx, int64_t len, double mean, double A,
                                           double B, double D) {
  plane_grad_input_block(dy, y, x, dx, len, mean, A, B, D);
}

// --- drivers ------------------------------------------------------------------------------------------------

// Row range of task t out of `tasks` over `rows` rows.
inline int64_t task_start(int64_t t, int64_t tasks, int64_t rows) { return rows * t / tasks; }

// Per-channel sums of x, or of (x - center)^2 when center is given, in double.
template <typename T>
std::vector<double> channel_sums(const at::Tensor& x, const Layout& L, const T* center) {
  const T* px = x.data_ptr<T>();
  const int64_t C = L.c;
  std::vector<double> out(C, 0.0);
  if (L.channels_last) {
    const int64_t tasks = std::max<int64_t>(1, std::min(kTasks, L.rows / kBlock));
    std::vector<double> partial(tasks * C, 0.0);
    at::parallel_for(0, tasks, 1, [&](int64_t t0, int64_t t1) {
      std::vector<T> acc(C);
      for (int64_t t = t0; t < t1; t++)
        cl_sum(px, task_start(t, tasks, L.rows), task_start(t + 1, tasks, L.rows), C, center, acc.data(), &partial[t * C]);
    });
    for (int64_t t = 0; t < tasks; t++)
      for (int64_t c = 0; c < C; c++) out[c] += partial[t * C + c];
  } else {
    at::parallel_for(0, C, 1, [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; c++) {
        const T m = center == nullptr ? T(0) : center[c];
        for (int64_t n = 0; n < L.n; n++) plane_sums(px + (n * C + c) * L.plane, L.plane, m, center != nullptr, &out[c]);
      }
    });
  }
  return out;
}

// y = max(0, (x - center) * alpha + beta) per channel.
template <typename T>
void apply_relu(const at::Tensor& x, at::Tensor& y, const Layout& L, const std::vector<T>& center, const std::vector<T>& alpha,
                const std::vector<T>& beta) {
  const T* px = x.data_ptr<T>();
  T* py = y.data_ptr<T>();
  const int64_t C = L.c;
  if (L.channels_last) {
    at::parallel_for(0, L.rows, 2048, [&](int64_t r0, int64_t r1) { cl_apply(px, py, r0, r1, C, center.data(), alpha.data(), beta.data()); });
  } else {
    at::parallel_for(0, L.n * C, 1, [&](int64_t k0, int64_t k1) {
      for (int64_t k = k0; k < k1; k++) plane_apply(px + k * L.plane, py + k * L.plane, L.plane, center[k % C], alpha[k % C], beta[k % C]);
    });
  }
}

// Per-channel s1 = sum(g), s2 = sum(g * (x - mean)) with g = dy where y > 0.
template <typename T>
void grad_sums(const at::Tensor& dy, const at::Tensor& y, const at::Tensor& x, const Layout& L, const std::vector<double>& mean,
               std::vector<double>& s1, std::vector<double>& s2) {
  const T *pdy = dy.data_ptr<T>(), *py = y.data_ptr<T>(), *px = x.data_ptr<T>();
  const int64_t C = L.c;
  s1.assign(C, 0.0);
  s2.assign(C, 0.0);
  if (L.channels_last) {
    const int64_t tasks = std::max<int64_t>(1, std::min(kTasks, L.rows / kBlock));
    std::vector<double> p1(tasks * C, 0.0), p2(tasks * C, 0.0);
    std::vector<T> m(mean.begin(), mean.end());
    at::parallel_for(0, tasks, 1, [&](int64_t t0, int64_t t1) {
      std::vector<T> a1(C), a2(C);
      for (int64_t t = t0; t < t1; t++)
        cl_grad_sums(pdy, py, px, task_start(t, tasks, L.rows), task_start(t + 1, tasks, L.rows), C, m.data(), a1.data(), a2.data(), &p1[t * C],
                     &p2[t * C]);
    });
    for (int64_t t = 0; t < tasks; t++)
      for (int64_t c = 0; c < C; c++) {
        s1[c] += p1[t * C + c];
        s2[c] += p2[t * C + c];
      }
  } else {
    at::parallel_for(0, C, 1, [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; c++)
        for (int64_t n = 0; n < L.n; n++) {
          auto off = (n * C + c) * L.plane;
          plane_grad_sums(pdy + off, py + off, px + off, L.plane, static_cast<T>(mean[c]), &s1[c], &s2[c]);
        }
    });
  }
}

template <typename T>
void grad_input(const at::Tensor& dy, const at::Tensor& y, const at::Tensor& x, at::Tensor& dx, const Layout& L, const std::vector<T>& mean,
                const std::vector<T>& A, const std::vector<T>& B, const std::vector<T>& D) {
  const T *pdy = dy.data_ptr<T>(), *py = y.data_ptr<T>(), *px = x.data_ptr<T>();
  T* pdx = dx.data_ptr<T>();
  const int64_t C = L.c;
  if (L.channels_last) {
    at::parallel_for(0, L.rows, 2048, [&](int64_t r0, int64_t r1) { cl_grad_input(pdy, py, px, pdx, r0, r1, C, mean.data(), A.data(), B.data(), D.data()); });
  } else {
    at::parallel_for(0, L.n * C, 1, [&](int64_t k0, int64_t k1) {
      for (int64_t k = k0; k < k1; k++) {
        auto c = k % C;
        plane_grad_input(pdy + k * L.plane, py + k * L.plane, px + k * L.plane, pdx + k * L.plane, L.plane, mean[c], A[c], B[c], D[c]);
      }
    });
  }
}

std::vector<double> to_doubles(const at::Tensor& t) {
  auto d = t.detach().to(at::kDouble).contiguous();
  return std::vector<double>(d.data_ptr<double>(), d.data_ptr<double>() + d.numel());
}

at::Tensor doubles_tensor(const std::vector<double>& v) {
  auto t = at::empty({static_cast<int64_t>(v.size())}, at::TensorOptions().dtype(at::kDouble));
  std::copy(v.begin(), v.end(), t.data_ptr<double>());
  return t;
}

at::Tensor from_doubles(const std::vector<double>& v, const at::Tensor& like) { return doubles_tensor(v).to(like.scalar_type()); }

// Forward: returns the output and fills mean / invstd (the statistics used: the batch's or the running ones).
template <typename T>
at::Tensor forward_kernel(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, const c10::optional<at::Tensor>& running_mean,
                          const c10::optional<at::Tensor>& running_var, bool training, double momentum, double eps, std::vector<double>& mean,
                          std::vector<double>& invstd) {
  const auto L = layout_of(x);
  const int64_t C = L.c;
  if (training) {
    const int64_t count = L.rows;
    TORCH_CHECK(count > 1, "batch_norm_relu: expected more than 1 value per channel when training, got input size ", x.sizes());
    mean = channel_sums<T>(x, L, static_cast<const T*>(nullptr));
    for (auto& m : mean) m /= static_cast<double>(count);
    std::vector<T> centered(mean.begin(), mean.end());
    auto sq = channel_sums<T>(x, L, centered.data());
    invstd.resize(C);
    std::vector<double> unbiased(C);
    for (int64_t c = 0; c < C; c++) {
      auto var = sq[c] / static_cast<double>(count);
      invstd[c] = 1.0 / std::sqrt(var + eps);
      unbiased[c] = sq[c] / static_cast<double>(count - 1);
    }
    if (running_mean.has_value() && running_mean->defined() && running_var.has_value() && running_var->defined()) {
      at::NoGradGuard no_grad;
      running_mean->mul_(1.0 - momentum).add_(from_doubles(mean, *running_mean), momentum);
      running_var->mul_(1.0 - momentum).add_(from_doubles(unbiased, *running_var), momentum);
    }
  } else {
    mean = to_doubles(*running_mean);
    auto var = to_doubles(*running_var);
    invstd.resize(C);
    // As batch_norm computes it: in the input's type.
    for (int64_t c = 0; c < C; c++) invstd[c] = static_cast<double>(T(1) / std::sqrt(static_cast<T>(var[c]) + static_cast<T>(eps)));
  }
  auto w = to_doubles(weight), b = to_doubles(bias);
  std::vector<T> center(C, T(0)), alpha(C), beta(C);
  for (int64_t c = 0; c < C; c++) {
    if (training) {
      // (x - mean) * (w * invstd) + b.
      center[c] = static_cast<T>(mean[c]);
      alpha[c] = static_cast<T>(w[c] * invstd[c]);
      beta[c] = static_cast<T>(b[c]);
    } else {
      // alpha = invstd * w, beta = b - mean * alpha (one rounding), in the input's type, as batch_norm's CPU kernels do.
      alpha[c] = static_cast<T>(invstd[c]) * static_cast<T>(w[c]);
      beta[c] = std::fma(-static_cast<T>(mean[c]), alpha[c], static_cast<T>(b[c]));
    }
  }
  auto y = at::empty_like(x);
  apply_relu<T>(x, y, L, center, alpha, beta);
  return y;
}

struct BatchNormRelu : public torch::autograd::Function<BatchNormRelu> {
  // The running statistics are passed as optionals, not tensors: autograd neither tracks them nor accepts undefined tensors.
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                            const c10::optional<at::Tensor>& running_mean, const c10::optional<at::Tensor>& running_var, bool training,
                            double momentum, double eps) {
    std::vector<double> mean, invstd;
    auto y = AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "batch_norm_relu", [&] {
      return forward_kernel<scalar_t>(x, weight, bias, running_mean, running_var, training, momentum, eps, mean, invstd);
    });
    ctx->save_for_backward({x, y, weight});
    ctx->saved_data["mean"] = doubles_tensor(mean);
    ctx->saved_data["invstd"] = doubles_tensor(invstd);
    ctx->saved_data["training"] = training;
    return y;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    if (!grads[0].defined()) return variable_list(8);
    auto saved = ctx->get_saved_variables();
    const auto &x = saved[0], &y = saved[1], &weight = saved[2];
    const bool training = ctx->saved_data["training"].toBool();
    const auto mean = to_doubles(ctx->saved_data["mean"].toTensor());
    const auto invstd = to_doubles(ctx->saved_data["invstd"].toTensor());
    const auto L = layout_of(x);
    const int64_t C = L.c;
    // The incoming gradient in the layout of x (a pooling backward may hand back another one, or a broadcast).
    auto dy = grads[0].contiguous(L.channels_last ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous);
    const bool need_dx = ctx->needs_input_grad(0), need_dw = ctx->needs_input_grad(1), need_db = ctx->needs_input_grad(2);
    at::Tensor dx, dw, db;
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "batch_norm_relu_backward", [&] {
      auto w = to_doubles(weight);
      std::vector<double> s1, s2;
      if (need_dw || need_db || (need_dx && training)) grad_sums<scalar_t>(dy, y, x, L, mean, s1, s2);
      if (need_dx) {
        std::vector<scalar_t> m(mean.begin(), mean.end()), A(C), B(C, scalar_t(0)), D(C, scalar_t(0));
        const double count = static_cast<double>(L.rows);
        for (int64_t c = 0; c < C; c++) {
          double a = w[c] * invstd[c];
          A[c] = static_cast<scalar_t>(a);
          if (training) {
            // dx = a * (g - s1/M - (x - mean) * invstd^2 * s2/M) = g * A + (x - mean) * B + D.
            B[c] = static_cast<scalar_t>(-a * invstd[c] * invstd[c] * s2[c] / count);
            D[c] = static_cast<scalar_t>(-a * s1[c] / count);
          }
        }
        dx = at::empty_like(x);
        grad_input<scalar_t>(dy, y, x, dx, L, m, A, B, D);
      }
      if (need_dw) {
        std::vector<double> g(C);
        for (int64_t c = 0; c < C; c++) g[c] = s2[c] * invstd[c];
        dw = from_doubles(g, weight);
      }
      if (need_db) db = from_doubles(s1, weight);
    });
    return {dx, dw, db, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

bool fused_path_applies(const at::Tensor& x, const c10::optional<at::Tensor>& weight, const c10::optional<at::Tensor>& bias,
                        const c10::optional<at::Tensor>& running_mean, const c10::optional<at::Tensor>& running_var, bool training) {
  if (!x.device().is_cpu() || x.dim() != 4 || (x.scalar_type() != at::kFloat && x.scalar_type() != at::kDouble)) return false;
  if (!x.is_contiguous() && !x.is_contiguous(at::MemoryFormat::ChannelsLast)) return false;
  if (x.numel() == 0) return false;
  auto fits = [&](const c10::optional<at::Tensor>& t) {
    return t.has_value() && t->defined() && t->device().is_cpu() && t->dim() == 1 && t->size(0) == x.size(1);
  };
  if (!fits(weight) || !fits(bias)) return false;
  if (!training && (!fits(running_mean) || !fits(running_var))) return false;
  // Running statistics are updated in place below; leave unusual ones (views, other dtypes) to the composite route.
  bool has_running = running_mean.has_value() && running_mean->defined();
  if (training && has_running && (!fits(running_mean) || !fits(running_var) || !running_mean->is_contiguous() || !running_var->is_contiguous())) return false;
  return true;
}

at::Tensor batch_norm_relu(const at::Tensor& input, const c10::optional<at::Tensor>& weight, const c10::optional<at::Tensor>& bias,
                           const c10::optional<at::Tensor>& running_mean, const c10::optional<at::Tensor>& running_var, bool training,
                           double momentum, double eps) {
  if (!fused_path_applies(input, weight, bias, running_mean, running_var, training))
    return at::relu(at::batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, false));
  return BatchNormRelu::apply(input, *weight, *bias, running_mean, running_var, training, momentum, eps);
}

}  // namespace

TORCH_LIBRARY_FRAGMENT(cnnvis, m) {
  m.def("batch_norm_relu(Tensor input, Tensor? weight, Tensor? bias, Tensor? running_mean, Tensor? running_var, bool training, float momentum, float eps) -> Tensor",
        &batch_norm_relu);
}
