// Inference through a run of convolution (+ ReLU) and max-pool layers as oneDNN primitives (cnnvis::conv_stack),
// for the no-gradient forwards that sampling explanations make by the thousand (Score-CAM's masked images).
// Eager ATen runs such a run one operator at a time and hands every intermediate back in a strided layout; here
// the intermediates stay in oneDNN's blocked layout from the first layer to the last, each ReLU is a post-op of
// its convolution, and 3x3 stride-1 convolutions may use Winograd's F(4x4, 3x3) algorithm, which needs 4x fewer
// multiplications than direct convolution and rounds differently (relative differences around 1e-6).
// Batch normalisation is not a layer here: in inference it is a per-channel affine map, which the caller folds
// into the preceding convolution's weight and bias. The result is a new channels-last tensor with no autograd
// history. The oneDNN library is the one libtorch itself uses (Debian's libdnnl), so its OpenMP threads are ATen's.
// oneDNN 2.6 has Winograd kernels for AVX-512 machines only; elsewhere every convolution is direct.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <oneapi/dnnl/dnnl.hpp>
#include <torch/library.h>

#include <cstring>
#include <list>
#include <mutex>
#include <string>
#include <vector>

namespace {

using dnnl::memory;

// The layer list packs each layer as this many integers: kind, kernel (h, w), stride (h, w), padding (h, w), relu.
constexpr int64_t kFields = 8;
enum Kind : int64_t { kConv = 0, kMaxPool = 1 };

dnnl::engine& cpu_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

memory::dims dims_of(at::IntArrayRef sizes) { return memory::dims(sizes.begin(), sizes.end()); }

// A oneDNN memory over a buffer this call owns (an ATen tensor, so it comes from the same allocator as all others).
memory owned_memory(const memory::desc& desc, std::vector<at::Tensor>& buffers) {
  auto bytes = static_cast<int64_t>(desc.get_size());
  buffers.push_back(at::empty({(bytes + 3) / 4}, at::kFloat));
  return memory(desc, cpu_engine(), buffers.back().data_ptr());
}

// `from` in the layout `desc` asks for: itself when the layouts agree, otherwise a reordered copy.
memory in_layout(memory from, const memory::desc& desc, dnnl::stream& stream, std::vector<at::Tensor>& buffers) {
  if (from.get_desc() == desc) return from;
  auto to = owned_memory(desc, buffers);
  dnnl::reorder(from, to).execute(stream, from, to);
  return to;
}

// Weights already in a kernel's layout, kept across calls: Winograd's weight transform takes longer than a
// convolution over a small batch. An entry is found by the kernel's layout and the weight's values (compared in
// full, which is cheap beside the transform), so a weight that changed since (training between explanations) is
// transformed afresh; the least recently used entries go once the cache holds more than kCacheBytes. A model whose
// weights do not fit misses every time, which costs a copy of its weights per call: small beside its convolutions.
struct CachedWeights {
  memory::desc layout;
  std::vector<float> values;
  at::Tensor buffer;
  memory transformed;
};
constexpr size_t kCacheBytes = size_t{64} << 20;
std::mutex cache_mutex;
std::list<CachedWeights> cache;

memory weights_in_layout(const at::Tensor& weight, const memory::desc& layout, dnnl::stream& stream, std::vector<at::Tensor>& buffers) {
  memory::desc user_md(dims_of(weight.sizes()), memory::data_type::f32, memory::format_tag::oihw);
  memory user(user_md, cpu_engine(), weight.data_ptr());
  if (user_md == layout) return user;
  const auto* values = weight.data_ptr<float>();
  auto count = static_cast<size_t>(weight.numel());
  {
    std::lock_guard<std::mutex> lock(cache_mutex);
    for (auto it = cache.begin(); it != cache.end(); ++it) {
      if (it->layout == layout && it->values.size() == count && std::memcmp(it->values.data(), values, count * sizeof(float)) == 0) {
        cache.splice(cache.begin(), cache, it);
        buffers.push_back(it->buffer);  // alive for this call even if another thread evicts the entry
        return it->transformed;
      }
    }
  }
  auto transformed = owned_memory(layout, buffers);
  dnnl::reorder(user, transformed).execute(stream, user, transformed);
  stream.wait();
  std::lock_guard<std::mutex> lock(cache_mutex);
  cache.push_front({layout, std::vector<float>(values, values + count), buffers.back(), transformed});
  size_t bytes = 0;
  for (auto it = cache.begin(); it != cache.end();) {
    bytes += it->values.size() * sizeof(float) + it->layout.get_size();
    it = bytes > kCacheBytes && it != cache.begin() ? cache.erase(it) : std::next(it);
  }
  return transformed;
}

struct Layer {
  int64_t kind, kh, kw, sh, sw, ph, pw;
  bool relu;
};

std::vector<Layer> parse_layers(at::IntArrayRef packed) {
  TORCH_CHECK(!packed.empty() && packed.size() % kFields == 0, "conv_stack: the layer list must hold ", kFields,
              " integers per layer, got ", packed.size());
  std::vector<Layer> layers;
  for (size_t k = 0; k < packed.size(); k += kFields) {
    Layer l{packed[k], packed[k + 1], packed[k + 2], packed[k + 3], packed[k + 4], packed[k + 5], packed[k + 6], packed[k + 7] != 0};
    TORCH_CHECK(l.kind == kConv || l.kind == kMaxPool, "conv_stack: layer ", k / kFields, " has unknown kind ", l.kind);
    TORCH_CHECK(l.kh > 0 && l.kw > 0 && l.sh > 0 && l.sw > 0 && l.ph >= 0 && l.pw >= 0, "conv_stack: layer ", k / kFields,
                " needs positive kernel and stride and non-negative padding");
    layers.push_back(l);
  }
  return layers;
}

// One output size along an axis, floor mode (as ATen's conv2d and max_pool2d without ceil_mode).
int64_t out_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad) { return (in + 2 * pad - kernel) / stride + 1; }

at::Tensor conv_stack(const at::Tensor& input, at::TensorList weights, const c10::List<c10::optional<at::Tensor>>& biases,
                      at::IntArrayRef packed, bool winograd) {
  TORCH_CHECK(input.dim() == 4, "conv_stack: expected a 4-D input [N, C, H, W], got ", input.sizes());
  TORCH_CHECK(input.device().is_cpu() && input.scalar_type() == at::kFloat, "conv_stack: expected a float32 CPU input, got ",
              input.toString());
  TORCH_CHECK(weights.size() == biases.size(), "conv_stack: ", weights.size(), " weights but ", biases.size(), " biases");
  auto layers = parse_layers(packed);
  size_t convs = 0;
  for (auto& l : layers) convs += l.kind == kConv;
  TORCH_CHECK(convs == weights.size(), "conv_stack: ", convs, " convolution layers but ", weights.size(), " weights");

  auto& engine = cpu_engine();
  dnnl::stream stream(engine);
  std::vector<at::Tensor> buffers;  // everything oneDNN reads or writes, alive until the stream is done

  // The input as it lies in ATen, strides and all.
  auto x = input.is_non_overlapping_and_dense() ? input : input.contiguous();
  buffers.push_back(x);
  memory current(memory::desc(dims_of(x.sizes()), memory::data_type::f32, dims_of(x.strides())), engine, x.data_ptr());
  int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);

  size_t next_conv = 0;
  for (size_t index = 0; index < layers.size(); index++) {
    const auto& l = layers[index];
    auto oh = out_size(h, l.kh, l.sh, l.ph), ow = out_size(w, l.kw, l.sw, l.pw);
    TORCH_CHECK(oh > 0 && ow > 0, "conv_stack: layer ", index, " (kernel ", l.kh, "x", l.kw, ", padding ", l.ph, "x", l.pw,
                ") does not fit its ", h, "x", w, " input");
    memory::dims strides{l.sh, l.sw}, padding{l.ph, l.pw};
    if (l.kind == kConv) {
      const auto& weight = weights[next_conv];
      const auto& bias = biases.get(next_conv);
      next_conv++;
      TORCH_CHECK(weight.dim() == 4 && weight.scalar_type() == at::kFloat && weight.device().is_cpu(),
                  "conv_stack: layer ", index, " needs a float32 CPU weight [O, I, kH, kW], got ", weight.toString(), " ", weight.sizes());
      TORCH_CHECK(weight.size(1) == c && weight.size(2) == l.kh && weight.size(3) == l.kw, "conv_stack: layer ", index, "'s weight ",
                  weight.sizes(), " does not fit ", c, " input channels and a ", l.kh, "x", l.kw, " kernel");
      auto oc = weight.size(0);
      auto w_tensor = weight.contiguous();
      buffers.push_back(w_tensor);
      at::Tensor b_tensor = bias.has_value() && bias->defined() ? bias->contiguous() : at::zeros({oc}, at::kFloat);
      TORCH_CHECK(b_tensor.dim() == 1 && b_tensor.size(0) == oc && b_tensor.scalar_type() == at::kFloat, "conv_stack: layer ", index,
                  " needs a float32 bias of ", oc, " values, got ", b_tensor.sizes());
      buffers.push_back(b_tensor);

      auto any = memory::format_tag::any;
      memory::desc src_any({n, c, h, w}, memory::data_type::f32, any), dst_md({n, oc, oh, ow}, memory::data_type::f32, any);
      memory::desc w_md({oc, c, l.kh, l.kw}, memory::data_type::f32, any), b_md({oc}, memory::data_type::f32, memory::format_tag::x);
      dnnl::primitive_attr attr;
      if (l.relu) {
        dnnl::post_ops ops;
        ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
        attr.set_post_ops(ops);
      }
      // Candidates, best first: Winograd only where it pays (3x3, stride 1, enough channels to fill its matrix
      // products); the input's own layout first for the first layer (no reorder, and with one channel oneDNN's
      // own choice of layout is a poor one). The first candidate with an optimised kernel wins; oneDNN's reference
      // kernels are a last resort (hundreds of times slower).
      std::vector<std::pair<dnnl::algorithm, memory::desc>> candidates;
      bool try_winograd = winograd && l.kh == 3 && l.kw == 3 && l.sh == 1 && l.sw == 1 && c >= 16 && oc >= 16;
      for (auto algorithm : {dnnl::algorithm::convolution_winograd, dnnl::algorithm::convolution_direct}) {
        if (algorithm == dnnl::algorithm::convolution_winograd && !try_winograd) continue;
        if (index == 0) candidates.emplace_back(algorithm, current.get_desc());
        candidates.emplace_back(algorithm, src_any);
      }
      dnnl::convolution_forward::primitive_desc pd;
      bool made = false;
      for (const auto& [algorithm, src_md] : candidates) {
        try {
          dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, algorithm, src_md, w_md, b_md, dst_md, strides, padding, padding);
          dnnl::convolution_forward::primitive_desc candidate(d, attr, engine);
          bool reference = std::string(candidate.impl_info_str()).rfind("ref", 0) == 0;
          if (!made || !reference) pd = candidate;
          made = true;
          if (!reference) break;
        } catch (const dnnl::error&) {
          // No kernel for this algorithm or layout here: the next candidate.
        }
      }
      TORCH_CHECK(made, "conv_stack: oneDNN has no convolution for layer ", index, " (", c, " to ", oc, " channels, kernel ", l.kh, "x", l.kw, ")");

      auto src = in_layout(current, pd.src_desc(), stream, buffers);
      auto wts = weights_in_layout(w_tensor, pd.weights_desc(), stream, buffers);
      memory b_mem(b_md, engine, b_tensor.data_ptr());
      auto dst = owned_memory(pd.dst_desc(), buffers);
      dnnl::convolution_forward(pd).execute(
          stream, {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wts}, {DNNL_ARG_BIAS, b_mem}, {DNNL_ARG_DST, dst}});
      current = dst;
      c = oc;
    } else {
      TORCH_CHECK(l.ph <= l.kh / 2 && l.pw <= l.kw / 2, "conv_stack: layer ", index, "'s padding must be at most half its kernel");
      TORCH_CHECK(!l.relu, "conv_stack: layer ", index, " is a max-pool, which takes no ReLU");
      memory::desc dst_md({n, c, oh, ow}, memory::data_type::f32, memory::format_tag::any);
      // Right padding as given: oneDNN's size check divides with floor, as ATen does.
      dnnl::pooling_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::pooling_max, current.get_desc(), dst_md,
                                    strides, {l.kh, l.kw}, padding, padding);
      dnnl::pooling_forward::primitive_desc pd(d, engine);  // described on the current layout: no reorder
      auto dst = owned_memory(pd.dst_desc(), buffers);
      dnnl::pooling_forward(pd).execute(stream, {{DNNL_ARG_SRC, current}, {DNNL_ARG_DST, dst}});
      current = dst;
    }
    h = oh;
    w = ow;
  }

  auto out = at::empty({n, c, h, w}, at::TensorOptions().dtype(at::kFloat).memory_format(at::MemoryFormat::ChannelsLast));
  memory result(memory::desc({n, c, h, w}, memory::data_type::f32, memory::format_tag::nhwc), engine, out.data_ptr());
  dnnl::reorder(current, result).execute(stream, current, result);
  stream.wait();
  return out;
}

at::Tensor conv_stack_checked(const at::Tensor& input, at::TensorList weights, const c10::List<c10::optional<at::Tensor>>& biases,
                              at::IntArrayRef packed, bool winograd) {
  try {
    return conv_stack(input, weights, biases, packed, winograd);
  } catch (const dnnl::error& e) {
    TORCH_CHECK(false, "conv_stack: oneDNN failed (", e.what(), ") for input ", input.sizes());
  }
}

}  // namespace

TORCH_LIBRARY_FRAGMENT(cnnvis, m) {
  m.def("conv_stack(Tensor input, Tensor[] weights, Tensor?[] biases, int[] layers, bool winograd) -> Tensor", &conv_stack_checked);
}
