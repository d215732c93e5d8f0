// One boxed call into the c10 dispatcher: every aten (and cnnvis::) operator is reachable by name.
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/function_schema.h>
#include <ATen/core/stack.h>
#include <torch/library.h>
#include <c10/util/irange.h>

#include <sstream>

#include "errors.h"
#include "handles.h"

using cnnvis::as_tensor;
using cnnvis::new_handle;

namespace {

thread_local std::vector<cv_tensor> list_results;
thread_local std::vector<int64_t> int_list_results;
thread_local std::vector<double> double_list_results;
thread_local std::string schema_text;

c10::IValue to_ivalue(const cv_value& v, int index) {
  switch (v.tag) {
    case CV_NONE:
      return c10::IValue();
    case CV_TENSOR:
      return c10::IValue(as_tensor(v.p));
    case CV_INT:
      return c10::IValue(v.i);
    case CV_DOUBLE:
      return c10::IValue(v.d);
    case CV_BOOL:
      return c10::IValue(v.i != 0);
    case CV_INT_LIST: {
      auto p = static_cast<const int64_t*>(v.p);
      return c10::IValue(c10::List<int64_t>(std::vector<int64_t>(p, p + v.count)));
    }
    case CV_BOOL_LIST: {
      auto p = static_cast<const int64_t*>(v.p);
      c10::List<bool> l;
      for (auto k : c10::irange(v.count)) l.push_back(p[k] != 0);
      return c10::IValue(l);
    }
    case CV_DOUBLE_LIST: {
      auto p = static_cast<const double*>(v.p);
      return c10::IValue(c10::List<double>(std::vector<double>(p, p + v.count)));
    }
    case CV_TENSOR_LIST: {
      auto p = static_cast<const cv_tensor*>(v.p);
      c10::List<at::Tensor> l;
      l.reserve(v.count);
      for (auto k : c10::irange(v.count)) l.push_back(as_tensor(p[k]));
      return c10::IValue(l);
    }
    case CV_OPTIONAL_TENSOR_LIST: {
      auto p = static_cast<const cv_tensor*>(v.p);
      c10::List<c10::optional<at::Tensor>> l;
      l.reserve(v.count);
      for (auto k : c10::irange(v.count)) {
        if (p[k] == nullptr)
          l.push_back(c10::nullopt);
        else
          l.push_back(as_tensor(p[k]));
      }
      return c10::IValue(l);
    }
    case CV_STRING:
      return c10::IValue(std::string(static_cast<const char*>(v.p)));
    case CV_DEVICE:
      return c10::IValue(c10::Device(static_cast<c10::DeviceType>(v.i), static_cast<c10::DeviceIndex>(v.count)));
    default:
      throw std::invalid_argument("argument " + std::to_string(index) + " has unknown tag " + std::to_string(v.tag));
  }
}

void from_ivalue(const c10::IValue& iv, cv_value& out, const c10::FunctionSchema& schema) {
  out = cv_value{CV_NONE, 0, 0, 0.0, nullptr};
  if (iv.isNone()) return;
  if (iv.isTensor()) {
    const auto& t = iv.toTensor();
    if (!t.defined()) return;
    out.tag = CV_TENSOR;
    out.p = new_handle(t);
  } else if (iv.isInt()) {
    out.tag = CV_INT;
    out.i = iv.toInt();
  } else if (iv.isDouble()) {
    out.tag = CV_DOUBLE;
    out.d = iv.toDouble();
  } else if (iv.isBool()) {
    out.tag = CV_BOOL;
    out.i = iv.toBool() ? 1 : 0;
  } else if (iv.isTensorList()) {
    auto l = iv.toTensorList();
    size_t start = list_results.size();
    for (const at::Tensor& t : l) list_results.push_back(new_handle(t));
    out.tag = CV_TENSOR_LIST;
    out.count = static_cast<int32_t>(l.size());
    out.i = static_cast<int64_t>(start);
  } else if (iv.isIntList()) {
    auto l = iv.toIntList();
    size_t start = int_list_results.size();
    for (int64_t x : l) int_list_results.push_back(x);
    out.tag = CV_INT_LIST;
    out.count = static_cast<int32_t>(l.size());
    out.i = static_cast<int64_t>(start);
  } else if (iv.isDoubleList()) {
    auto l = iv.toDoubleList();
    size_t start = double_list_results.size();
    for (double x : l) double_list_results.push_back(x);
    out.tag = CV_DOUBLE_LIST;
    out.count = static_cast<int32_t>(l.size());
    out.i = static_cast<int64_t>(start);
  } else {
    throw std::runtime_error("operator " + schema.name() + " returned a " + iv.tagKind() +
                             ", which the C# binding does not read");
  }
}

}  // namespace

extern "C" {

CV_API int cv_op_find(const char* name, const char* overload, cv_op* out) {
  CV_TRY
  CV_REQUIRE(name != nullptr && *name != '\0', "operator name is empty");
  std::string full(name);
  // Operators live in a namespace ("aten::add"); a bare name means aten.
  if (full.find("::") == std::string::npos) full = "aten::" + full;
  auto handle = c10::Dispatcher::singleton().findSchema({full, overload ? overload : ""});
  if (!handle.has_value()) {
    std::string o = overload && *overload ? std::string(".") + overload : std::string();
    throw std::invalid_argument("unknown operator '" + full + o + "'");
  }
  *out = new c10::OperatorHandle(*handle);
  CV_CATCH
}

CV_API int cv_op_schema(cv_op op, const char** out) {
  CV_TRY
  CV_REQUIRE(op != nullptr, "operator handle is null");
  std::ostringstream s;
  s << static_cast<c10::OperatorHandle*>(op)->schema();
  schema_text = s.str();
  *out = schema_text.c_str();
  CV_CATCH
}

CV_API int cv_op_call(cv_op op, const cv_value* args, int32_t nargs, cv_value* results, int32_t capacity,
                      int32_t* nresults) {
  CV_TRY
  CV_REQUIRE(op != nullptr, "operator handle is null");
  auto& handle = *static_cast<c10::OperatorHandle*>(op);
  const auto& schema = handle.schema();
  torch::jit::Stack stack;
  stack.reserve(std::max<size_t>(schema.arguments().size(), schema.returns().size()));
  for (auto k : c10::irange(nargs)) stack.push_back(to_ivalue(args[k], k));
  // Checks the count and types against the schema and fills trailing defaults, with a clear message.
  schema.checkAndNormalizeInputs(stack);
  handle.callBoxed(stack);
  list_results.clear();
  int_list_results.clear();
  double_list_results.clear();
  CV_REQUIRE(static_cast<int32_t>(stack.size()) <= capacity, "operator returned more results than the buffer holds");
  // A result that cannot be converted fails the call: the handles made for the results before it are
  // freed here, since the caller never sees them.
  size_t converted = 0;
  try {
    for (; converted < stack.size(); ++converted) from_ivalue(stack[converted], results[converted], schema);
  } catch (...) {
    for (size_t k = 0; k < converted; ++k) {
      if (results[k].tag == CV_TENSOR) cnnvis::free_handle(results[k].p);
      results[k] = cv_value{CV_NONE, 0, 0, 0.0, nullptr};
    }
    for (auto h : list_results) cnnvis::free_handle(h);
    list_results.clear();
    throw;
  }
  // List results point into the per-thread arrays, which are complete only now.
  for (auto k : c10::irange(stack.size())) {
    auto& r = results[k];
    if (r.tag == CV_TENSOR_LIST) r.p = list_results.data() + r.i;
    if (r.tag == CV_INT_LIST) r.p = int_list_results.data() + r.i;
    if (r.tag == CV_DOUBLE_LIST) r.p = double_list_results.data() + r.i;
  }
  *nresults = static_cast<int32_t>(stack.size());
  CV_CATCH
}

CV_API int cv_live_handles(int64_t* out) {
  CV_TRY
  *out = cnnvis::live_handles.load(std::memory_order_relaxed);
  CV_CATCH
}

}  // extern "C"

// An operator whose second result the binding cannot read (a string), after a tensor it can: the binding's
// tests call it to prove that a failed conversion frees the handles already made.
TORCH_LIBRARY_FRAGMENT(cnnvis, m) {
  m.def("_binding_test_tensor_and_text(Tensor x) -> (Tensor, str)", [](const at::Tensor& x) {
    return std::make_tuple(x.clone(), std::string("unreadable"));
  });
}
