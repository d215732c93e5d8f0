// State dicts in PyTorch's zip format: what torch.save(model.state_dict()) writes and torch.load reads.
#include <caffe2/serialize/inline_container.h>
#include <caffe2/serialize/read_adapter_interface.h>
#include <torch/csrc/jit/serialization/pickle.h>
#include <c10/util/irange.h>
#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <unordered_map>

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

[[noreturn]] void corrupt(const std::string& what) { throw std::runtime_error("corrupt or unreadable .pt file: " + what); }

// The zip reader reads through this; a read past the end (a corrupt offset) is an error, not a wild memcpy.
class BoundedMemoryReader final : public caffe2::serialize::ReadAdapterInterface {
 public:
  BoundedMemoryReader(const char* data, size_t size) : data_(data), size_(size) {}
  size_t size() const override { return size_; }
  size_t read(uint64_t pos, void* buf, size_t n, const char* what) const override {
    if (pos > size_ || n > size_ - pos) corrupt(std::string("truncated while reading ") + (what ? what : "a record"));
    std::memcpy(buf, data_ + pos, n);
    return n;
  }

 private:
  const char* data_;
  size_t size_;
};

// The globals a state dict's pickle may name. Anything else is refused: loading never runs code.
enum class Global { Value, OrderedDict, RebuildTensor, RebuildParameter, RestoreTypeTag, Storage };

struct Item {
  c10::IValue value;
  Global kind = Global::Value;
};

at::ScalarType storage_dtype(const std::string& name) {
  static const std::unordered_map<std::string, at::ScalarType> types = {
      {"FloatStorage", at::kFloat}, {"DoubleStorage", at::kDouble}, {"HalfStorage", at::kHalf},
      {"BFloat16Storage", at::kBFloat16}, {"LongStorage", at::kLong}, {"IntStorage", at::kInt},
      {"ShortStorage", at::kShort}, {"CharStorage", at::kChar}, {"ByteStorage", at::kByte},
      {"BoolStorage", at::kBool}};
  auto it = types.find(name);
  if (it == types.end()) corrupt("unsupported storage type torch." + name);
  return it->second;
}

// libtorch 1.13's own unpickler turns Python's collections.OrderedDict into None and cannot apply the
// BUILD that restores its _metadata, so it cannot read torch.save(model.state_dict()). This one reads the
// subset of pickle protocol 2 (and 4's framing) that torch.save and torch::jit::pickle_save write for
// containers of tensors.
class Unpickler {
 public:
  Unpickler(const char* data, size_t size, caffe2::serialize::PyTorchStreamReader& archive)
      : p_(data), end_(data + size), archive_(archive) {}

  c10::IValue run() {
    while (true) {
      uint8_t op = byte();
      switch (op) {
        case 0x80: byte(); break;              // PROTO
        case 0x95: bytes(8); break;            // FRAME
        case '.':                              // STOP
          if (stack_.size() != 1) corrupt("the pickle ends with " + std::to_string(stack_.size()) + " values on its stack");
          return stack_.back().value;
        case '(': marks_.push_back(stack_.size()); break;
        case '0': pop(); break;
        case '1': pop_to_mark(); break;
        case '2': push(top()); break;
        case 'N': push(c10::IValue()); break;
        case 0x88: push(true); break;
        case 0x89: push(false); break;
        case 'J': push(static_cast<int64_t>(little<int32_t>())); break;
        case 'K': push(static_cast<int64_t>(byte())); break;
        case 'M': push(static_cast<int64_t>(little<uint16_t>())); break;
        case 0x8a: push(long1()); break;
        case 'G': push(big_double()); break;
        case 'X': push(text(little<uint32_t>())); break;
        case 0x8c: push(text(byte())); break;
        case 0x8d: push(text(little<uint64_t>())); break;
        case 'T': push(text(little<uint32_t>())); break;
        case 'U': push(text(byte())); break;
        case ')': push(c10::ivalue::Tuple::create(std::vector<c10::IValue>())); break;
        case 't': push(tuple(pop_to_mark())); break;
        case 0x85: push(tuple(pop_n(1))); break;
        case 0x86: push(tuple(pop_n(2))); break;
        case 0x87: push(tuple(pop_n(3))); break;
        case ']': push(c10::impl::GenericList(c10::AnyType::get())); break;
        case 'l': {
          auto list = c10::impl::GenericList(c10::AnyType::get());
          for (auto& v : pop_to_mark()) list.push_back(std::move(v));
          push(std::move(list));
          break;
        }
        case 'a': {
          auto v = pop().value;
          list_at_top().push_back(std::move(v));
          break;
        }
        case 'e': {
          auto values = pop_to_mark();
          auto list = list_at_top();
          for (auto& v : values) list.push_back(std::move(v));
          break;
        }
        case '}': push(c10::impl::GenericDict(c10::AnyType::get(), c10::AnyType::get())); break;
        case 'd': {
          auto dict = c10::impl::GenericDict(c10::AnyType::get(), c10::AnyType::get());
          insert_pairs(dict, pop_to_mark());
          push(std::move(dict));
          break;
        }
        case 's': {
          auto value = pop().value;
          auto key = pop().value;
          insert_pairs(dict_at_top(), {std::move(key), std::move(value)});
          break;
        }
        case 'u': {
          auto pairs = pop_to_mark();
          insert_pairs(dict_at_top(), pairs);
          break;
        }
        case 'q': memo_put(byte()); break;
        case 'r': memo_put(little<uint32_t>()); break;
        case 0x94: memo_put(memo_.size()); break;
        case 'h': memo_get(byte()); break;
        case 'j': memo_get(little<uint32_t>()); break;
        case 'c': {
          auto module = line();
          auto name = line();
          push_global(module, name);
          break;
        }
        case 0x93: {  // STACK_GLOBAL
          auto name = pop().value;
          auto module = pop().value;
          if (!name.isString() || !module.isString()) corrupt("STACK_GLOBAL needs two strings");
          push_global(module.toStringRef(), name.toStringRef());
          break;
        }
        case 'R': reduce(); break;
        case 'b': build(); break;
        case 'Q': persistent_load(); break;
        default: {
          char hex[8];
          std::snprintf(hex, sizeof hex, "0x%02x", op);
          corrupt(std::string("unsupported pickle opcode ") + hex);
        }
      }
    }
  }

 private:
  uint8_t byte() {
    if (p_ >= end_) corrupt("the pickle is truncated");
    return static_cast<uint8_t>(*p_++);
  }

  const char* bytes(uint64_t n) {
    if (n > static_cast<uint64_t>(end_ - p_)) corrupt("the pickle is truncated");
    const char* start = p_;
    p_ += n;
    return start;
  }

  template <typename T>
  T little() {
    const char* b = bytes(sizeof(T));
    uint64_t v = 0;
    for (size_t k = 0; k < sizeof(T); ++k) v |= static_cast<uint64_t>(static_cast<uint8_t>(b[k])) << (8 * k);
    return static_cast<T>(v);
  }

  int64_t long1() {
    uint8_t n = byte();
    if (n > 8) corrupt("an integer is wider than 64 bits");
    const char* b = bytes(n);
    uint64_t v = 0;
    for (size_t k = 0; k < n; ++k) v |= static_cast<uint64_t>(static_cast<uint8_t>(b[k])) << (8 * k);
    // Sign-extend from the top byte read.
    if (n > 0 && n < 8 && (static_cast<uint8_t>(b[n - 1]) & 0x80)) v |= ~uint64_t(0) << (8 * n);
    return static_cast<int64_t>(v);
  }

  double big_double() {
    const char* b = bytes(8);
    uint64_t bits = 0;
    for (size_t k = 0; k < 8; ++k) bits = (bits << 8) | static_cast<uint8_t>(b[k]);
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
  }

  c10::IValue text(uint64_t n) {
    const char* b = bytes(n);
    return c10::IValue(std::string(b, n));
  }

  std::string line() {
    const char* start = p_;
    while (p_ < end_ && *p_ != '\n') ++p_;
    if (p_ >= end_) corrupt("the pickle is truncated");
    return std::string(start, p_++);
  }

  void push(c10::IValue v) { stack_.push_back(Item{std::move(v), Global::Value}); }
  void push(Item item) { stack_.push_back(std::move(item)); }

  Item& top() {
    if (stack_.empty()) corrupt("the pickle reads from an empty stack");
    return stack_.back();
  }

  Item pop() {
    Item item = std::move(top());
    stack_.pop_back();
    return item;
  }

  std::vector<c10::IValue> pop_n(size_t n) {
    if (stack_.size() < n) corrupt("the pickle reads from an empty stack");
    std::vector<c10::IValue> values;
    for (auto k = stack_.size() - n; k < stack_.size(); ++k) values.push_back(std::move(stack_[k].value));
    stack_.resize(stack_.size() - n);
    return values;
  }

  std::vector<c10::IValue> pop_to_mark() {
    if (marks_.empty()) corrupt("the pickle closes a MARK it never opened");
    size_t start = marks_.back();
    marks_.pop_back();
    if (start > stack_.size()) corrupt("the pickle's MARK points past its stack");
    return pop_n(stack_.size() - start);
  }

  static c10::IValue tuple(std::vector<c10::IValue> values) { return c10::ivalue::Tuple::create(std::move(values)); }

  c10::impl::GenericList list_at_top() {
    auto& v = top().value;
    if (!v.isList()) corrupt(std::string("the pickle appends to a ") + v.tagKind());
    return v.toList();
  }

  c10::impl::GenericDict dict_at_top() {
    auto& v = top().value;
    if (!v.isGenericDict()) corrupt(std::string("the pickle sets an item of a ") + v.tagKind());
    return v.toGenericDict();
  }

  static void insert_pairs(c10::impl::GenericDict dict, const std::vector<c10::IValue>& pairs) {
    if (pairs.size() % 2 != 0) corrupt("a dict has a key without a value");
    for (size_t k = 0; k < pairs.size(); k += 2) {
      const auto& key = pairs[k];
      if (!key.isString() && !key.isInt() && !key.isDouble() && !key.isBool())
        corrupt(std::string("a dict key is a ") + key.tagKind());
      dict.insert_or_assign(key, pairs[k + 1]);
    }
  }

  void memo_put(size_t id) {
    if (id > memo_.size() + 1000000) corrupt("a memo index is out of range");
    if (id >= memo_.size()) memo_.resize(id + 1);
    memo_[id] = top();
  }

  void memo_get(size_t id) {
    if (id >= memo_.size()) corrupt("the pickle refers to memo entry " + std::to_string(id) + ", which was never stored");
    push(memo_[id]);
  }

  void push_global(const std::string& module, const std::string& name) {
    Global kind;
    if (module == "collections" && name == "OrderedDict") kind = Global::OrderedDict;
    else if (module == "torch._utils" && name == "_rebuild_tensor_v2") kind = Global::RebuildTensor;
    else if (module == "torch._utils" && name == "_rebuild_parameter") kind = Global::RebuildParameter;
    else if (module == "torch.jit._pickle" && name == "restore_type_tag") kind = Global::RestoreTypeTag;
    else if (module == "torch" && name.size() > 7 && name.compare(name.size() - 7, 7, "Storage") == 0) kind = Global::Storage;
    else throw std::runtime_error("not a state dict: the file holds a " + module + "." + name + " object");
    // The value names the global, so a storage type survives being packed into a tuple.
    stack_.push_back(Item{c10::IValue(name), kind});
  }

  void reduce() {
    auto args = pop().value;
    auto callable = pop();
    if (!args.isTuple()) corrupt("a call's arguments are not a tuple");
    auto a = args.toTupleRef().elements().vec();
    switch (callable.kind) {
      case Global::OrderedDict:
        push(c10::impl::GenericDict(c10::AnyType::get(), c10::AnyType::get()));
        break;
      case Global::RestoreTypeTag:
        if (a.empty()) corrupt("restore_type_tag without a value");
        push(a[0]);
        break;
      case Global::RebuildParameter:
        if (a.empty() || !a[0].isTensor()) corrupt("_rebuild_parameter without a tensor");
        push(a[0]);
        break;
      case Global::RebuildTensor:
        push(rebuild_tensor(a));
        break;
      default:
        corrupt(std::string("the pickle calls a ") + (callable.kind == Global::Storage ? "storage type" : callable.value.tagKind()));
    }
  }

  // BUILD sets an object's attributes; the only object here is an OrderedDict's _metadata, which is dropped.
  void build() {
    pop();
    if (!top().value.isGenericDict()) corrupt(std::string("the pickle sets the state of a ") + top().value.tagKind());
  }

  static std::vector<int64_t> int_tuple(const c10::IValue& v, const char* what) {
    if (!v.isTuple()) corrupt(std::string("a tensor's ") + what + " is not a tuple");
    std::vector<int64_t> out;
    for (const auto& e : v.toTupleRef().elements()) {
      if (!e.isInt()) corrupt(std::string("a tensor's ") + what + " holds a " + e.tagKind());
      out.push_back(e.toInt());
    }
    return out;
  }

  // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
  c10::IValue rebuild_tensor(const std::vector<c10::IValue>& a) {
    if (a.size() < 4 || !a[0].isTensor() || !a[1].isInt()) corrupt("malformed tensor record");
    auto size = int_tuple(a[2], "size");
    auto stride = int_tuple(a[3], "stride");
    if (size.size() != stride.size()) corrupt("a tensor's size and stride differ in length");
    for (auto s : size)
      if (s < 0) corrupt("a tensor has a negative size");
    for (auto s : stride)
      if (s < 0) corrupt("a tensor has a negative stride");
    if (a[1].toInt() < 0) corrupt("a tensor has a negative storage offset");
    // as_strided checks that the view fits inside the storage.
    return a[0].toTensor().as_strided(size, stride, a[1].toInt());
  }

  // ('storage', <torch.XStorage>, key, location, numel): the bytes are the archive's data/<key>.
  void persistent_load() {
    auto pid = pop().value;
    if (!pid.isTuple()) corrupt("a persistent id is not a tuple");
    auto a = pid.toTupleRef().elements().vec();
    if (a.size() < 5 || !a[0].isString() || a[0].toStringRef() != "storage" || !a[1].isString() || !a[2].isString() || !a[4].isInt())
      corrupt("a persistent id is not a storage");
    const auto& key = a[2].toStringRef();
    auto found = storages_.find(key);
    if (found != storages_.end()) {
      push(found->second);
      return;
    }
    auto dtype = storage_dtype(a[1].toStringRef());
    int64_t numel = a[4].toInt();
    if (numel < 0) corrupt("a storage has a negative size");
    at::Tensor flat = at::empty({numel}, at::TensorOptions().dtype(dtype));
    size_t nbytes = static_cast<size_t>(numel) * flat.element_size();
    if (nbytes > 0) {
      std::string record = "data/" + key;
      if (!archive_.hasRecord(record)) corrupt("the archive has no " + record);
      auto [data, size] = archive_.getRecord(record);
      if (size < nbytes)
        corrupt(record + " holds " + std::to_string(size) + " bytes but its tensor needs " + std::to_string(nbytes));
      std::memcpy(flat.data_ptr(), data.get(), nbytes);
    }
    storages_.emplace(key, flat);
    push(flat);
  }

  const char* p_;
  const char* end_;
  caffe2::serialize::PyTorchStreamReader& archive_;
  std::vector<Item> stack_;
  std::vector<Item> memo_;
  std::vector<size_t> marks_;
  std::unordered_map<std::string, at::Tensor> storages_;
};

uint32_t le32(const unsigned char* p) { return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24); }
uint16_t le16(const unsigned char* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }

// libtorch's zip reader skips CRC checks, so a flipped bit in tensor data would load as wrong weights.
// Every stored entry's CRC-32 is checked against the central directory before anything is read.
void verify_zip_checksums(const char* data, int64_t nbytes) {
  auto b = reinterpret_cast<const unsigned char*>(data);
  auto n = static_cast<size_t>(nbytes);
  // The end-of-central-directory record (22 bytes plus a comment of up to 64 KiB) closes the file.
  size_t eocd = SIZE_MAX;
  if (n >= 22) {
    size_t lowest = n - 22 > 65535 ? n - 22 - 65535 : 0;
    for (size_t k = n - 22 + 1; k-- > lowest;) {
      if (le32(b + k) == 0x06054b50) {
        eocd = k;
        break;
      }
    }
  }
  if (eocd == SIZE_MAX) corrupt("the zip directory is missing (the file is truncated)");
  uint32_t entries = le16(b + eocd + 10);
  uint32_t dir = le32(b + eocd + 16);
  // Zip64 archives (over 4 GiB, or 65535 entries) keep the real values elsewhere; libtorch checks their structure.
  if (dir == 0xFFFFFFFFu || entries == 0xFFFFu) return;
  size_t at = dir;
  for (uint32_t e = 0; e < entries; ++e) {
    if (at > n || n - at < 46 || le32(b + at) != 0x02014b50) corrupt("the zip directory is damaged");
    uint16_t method = le16(b + at + 10);
    uint32_t crc = le32(b + at + 16);
    uint32_t size = le32(b + at + 20);
    size_t name_len = le16(b + at + 28), extra_len = le16(b + at + 30), comment_len = le16(b + at + 32);
    size_t local = le32(b + at + 42);
    if (n - at - 46 < name_len) corrupt("the zip directory is damaged");
    std::string name(reinterpret_cast<const char*>(b + at + 46), name_len);
    if (size == 0xFFFFFFFFu || local == 0xFFFFFFFFu) return;
    if (method == 0) {
      if (local > n || n - local < 30 || le32(b + local) != 0x04034b50) corrupt("the zip entry " + name + " is damaged");
      size_t start = local + 30 + le16(b + local + 26) + le16(b + local + 28);
      if (start > n || n - start < size) corrupt("the zip entry " + name + " is truncated");
      if (crc32(0L, b + start, size) != crc) corrupt("the data of " + name + " is damaged (CRC-32 mismatch)");
    }
    at += 46 + name_len + extra_len + comment_len;
  }
}

c10::IValue read_pt(const char* bytes, int64_t nbytes) {
  verify_zip_checksums(bytes, nbytes);
  std::unique_ptr<caffe2::serialize::PyTorchStreamReader> archive;
  try {
    archive = std::make_unique<caffe2::serialize::PyTorchStreamReader>(
        std::make_shared<BoundedMemoryReader>(bytes, static_cast<size_t>(nbytes)));
  } catch (const c10::Error& e) {
    corrupt(cnnvis::short_message(e));
  }
  if (!archive->hasRecord("data.pkl")) corrupt("the archive has no data.pkl");
  at::DataPtr pickle;
  size_t size = 0;
  try {
    std::tie(pickle, size) = archive->getRecord("data.pkl");
  } catch (const c10::Error& e) {
    corrupt(cnnvis::short_message(e));
  }
  try {
    return Unpickler(static_cast<const char*>(pickle.get()), size, *archive).run();
  } catch (const c10::Error& e) {
    corrupt(cnnvis::short_message(e));
  }
}

}  // namespace

extern "C" {

CV_API int cv_state_dict_save(const char* path, const char* const* names, const cv_tensor* tensors, int32_t n) {
  CV_TRY
  CV_REQUIRE(path != nullptr, "path is null");
  c10::Dict<std::string, at::Tensor> dict;
  for (auto k : c10::irange(n)) {
    std::string name(names[k]);
    CV_REQUIRE(!dict.contains(name), "duplicate state dict key '" + name + "'");
    dict.insert(name, as_tensor(tensors[k]).detach().to(at::kCPU).contiguous());
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
  c10::IValue v = read_pt(p, nbytes);
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
