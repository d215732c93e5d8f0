// State dicts in PyTorch's zip format: what torch.save(model.state_dict()) writes and torch.load reads.
#include <torch/csrc/jit/serialization/pickle.h>
#include <c10/util/irange.h>

#include <fstream>

#include "errors.h"
#include "handles.h"

using cnnvis::as_tensor;
using cnnvis::new_handle;

namespace {

struct StateDict {
  std::vector<std::string> names;
  std::vector<at::Tensor> tensors;
};

// A zip archive starts with a local file header: "PK\x03\x04".
bool looks_like_zip(const char* p, int64_t n) { return n >= 4 && p[0] == 'P' && p[1] == 'K' && p[2] == 3 && p[3] == 4; }

}  // namespace

extern "C" {

CV_API int cv_state_dict_save(const char* path, const char* const* names, const cv_tensor* tensors, int32_t n) {
  CV_TRY
  CV_REQUIRE(path != nullptr, "path is null");
  c10::Dict<std::string, at::Tensor> dict;
  for (auto k : c10::irange(n)) {
    std::string name(names[k]);
    CV_REQUIRE(!dict.contains(name), "duplicate state dict key '" + name + "'");
    dict.insert(name, as_tensor(tensors[k]).detach().to(at::kCPU));
  }
  auto bytes = torch::jit::pickle_save(c10::IValue(dict));
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) throw std::runtime_error(std::string("cannot open '") + path + "' for writing");
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  f.close();
  if (!f) throw std::runtime_error(std::string("failed writing '") + path + "'");
  CV_CATCH
}

CV_API int cv_state_dict_load(const void* bytes, int64_t nbytes, cv_state_dict* out) {
  CV_TRY
  CV_REQUIRE(nbytes > 0, "the file is empty");
  auto p = static_cast<const char*>(bytes);
  CV_REQUIRE(looks_like_zip(p, nbytes),
             "not a PyTorch .pt file: it does not start with a zip header (legacy non-zip torch.save files are not supported)");
  std::vector<char> data(p, p + nbytes);
  c10::IValue v;
  try {
    v = torch::jit::pickle_load(data);
  } catch (const c10::Error& e) {
    throw std::runtime_error("corrupt or unreadable .pt file: " + cnnvis::short_message(e));
  }
  CV_REQUIRE(v.isGenericDict(), std::string("not a state dict: the file holds a ") + v.tagKind() +
                                    ", expected a dict of names to tensors");
  auto sd = std::make_unique<StateDict>();
  for (const auto& entry : v.toGenericDict()) {
    CV_REQUIRE(entry.key().isString(), "not a state dict: a key is a " + std::string(entry.key().tagKind()) + ", not a string");
    const auto& name = entry.key().toStringRef();
    CV_REQUIRE(entry.value().isTensor(), "not a state dict: entry '" + name + "' is a " +
                                             std::string(entry.value().tagKind()) + ", not a tensor");
    sd->names.push_back(name);
    sd->tensors.push_back(entry.value().toTensor());
  }
  *out = sd.release();
  CV_CATCH
}

CV_API int cv_state_dict_size(cv_state_dict sd, int32_t* out) {
  CV_TRY
  CV_REQUIRE(sd != nullptr, "state dict handle is null");
  *out = static_cast<int32_t>(static_cast<StateDict*>(sd)->names.size());
  CV_CATCH
}

CV_API int cv_state_dict_entry(cv_state_dict sd, int32_t index, const char** name, cv_tensor* tensor) {
  CV_TRY
  CV_REQUIRE(sd != nullptr, "state dict handle is null");
  auto s = static_cast<StateDict*>(sd);
  CV_REQUIRE(index >= 0 && index < static_cast<int32_t>(s->names.size()), "state dict index out of range");
  *name = s->names[index].c_str();
  *tensor = new_handle(s->tensors[index]);
  CV_CATCH
}

CV_API int cv_state_dict_free(cv_state_dict sd) {
  CV_TRY
  delete static_cast<StateDict*>(sd);
  CV_CATCH
}

}  // extern "C"
