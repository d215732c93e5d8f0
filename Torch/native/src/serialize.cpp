// State dicts in PyTorch's zip format: what torch.save(model.state_dict()) writes and torch.load reads.
#include <caffe2/serialize/inline_container.h>
#include <caffe2/serialize/read_adapter_interface.h>
#include <caffe2/serialize/versions.h>
#include <torch/csrc/jit/serialization/pickle.h>
#include <c10/util/irange.h>
#include <zlib.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
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

// Deeper than any state dict (its _metadata is three levels), far shallower than a stack can take.
constexpr int kMaxDepth = 100;
// A tensor's dimensions; libtorch itself stops at 64.
constexpr size_t kMaxDims = 64;

// Tears values down without recursion: an IValue's destructor frees nested containers recursively, so
// a tuple nested 10^5 deep would overflow the stack. Every container reached is emptied into a work list
// first (which also breaks any reference cycle), so each destructor sees a flat value.
void release_iteratively(std::vector<c10::IValue> work) {
  while (!work.empty()) {
    c10::IValue v = std::move(work.back());
    work.pop_back();
    if (v.isTuple()) {
      auto t = v.toTuple();
      for (const auto& e : t->elements()) work.push_back(e);
      t->setElements(std::vector<c10::IValue>());
    } else if (v.isList()) {
      auto l = v.toList();
      for (const auto& e : l) work.push_back(e);
      l.clear();
    } else if (v.isGenericDict()) {
      auto d = v.toGenericDict();
      for (const auto& e : d) {
        work.push_back(e.key());
        work.push_back(e.value());
      }
      d.clear();
    }
  }
}

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
  // The work allowed grows with the pickle's size: each opcode costs 1, and anything that reads a value
  // again (hashing a memoized key, copying a memoized tuple) costs its length, so a small file cannot
  // make the reader loop for minutes.
  Unpickler(const char* data, size_t size, caffe2::serialize::PyTorchStreamReader& archive)
      : p_(data), end_(data + size), archive_(archive), budget_(64 * static_cast<uint64_t>(size) + 65536) {}

  Unpickler(const Unpickler&) = delete;
  Unpickler& operator=(const Unpickler&) = delete;

  ~Unpickler() {
    std::vector<c10::IValue> all = std::move(containers_);
    for (auto& item : stack_) all.push_back(std::move(item.value));
    for (auto& entry : memo_) all.push_back(std::move(entry.second.value));
    stack_.clear();
    memo_.clear();
    release_iteratively(std::move(all));
  }

  c10::IValue run() {
    while (true) {
      charge(1);
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
        case ')': push_tuple({}); break;
        case 't': push_tuple(pop_to_mark()); break;
        case 0x85: push_tuple(pop_n(1)); break;
        case 0x86: push_tuple(pop_n(2)); break;
        case 0x87: push_tuple(pop_n(3)); break;
        case ']': push_container(c10::impl::GenericList(c10::AnyType::get()), 1); break;
        case 'l': {
          auto items = pop_to_mark();
          int depth = nest(items);
          auto list = c10::impl::GenericList(c10::AnyType::get());
          for (auto& item : items) list.push_back(std::move(item.value));
          push_container(std::move(list), depth);
          break;
        }
        case 'a': {
          std::vector<Item> items;
          items.push_back(pop());
          grow_top(items);
          list_at_top().push_back(std::move(items[0].value));
          break;
        }
        case 'e': {
          auto items = pop_to_mark();
          grow_top(items);
          auto list = list_at_top();
          for (auto& item : items) list.push_back(std::move(item.value));
          break;
        }
        case '}': push_container(c10::impl::GenericDict(c10::AnyType::get(), c10::AnyType::get()), 1); break;
        case 'd': {
          auto items = pop_to_mark();
          int depth = nest(items);
          auto dict = c10::impl::GenericDict(c10::AnyType::get(), c10::AnyType::get());
          insert_pairs(dict, items);
          push_container(std::move(dict), depth);
          break;
        }
        case 's': {
          std::vector<Item> pair(2);
          pair[1] = pop();
          pair[0] = pop();
          grow_top(pair);
          insert_pairs(dict_at_top(), pair);
          break;
        }
        case 'u': {
          auto items = pop_to_mark();
          grow_top(items);
          insert_pairs(dict_at_top(), items);
          break;
        }
        case 'q': memo_put(byte()); break;
        case 'r': memo_put(little<uint32_t>()); break;
        case 0x94: memo_put(next_memo_id_); break;
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
          charge(name.toStringRef().size() + module.toStringRef().size());
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

  void charge(uint64_t cost) {
    work_ += cost;
    if (work_ > budget_) corrupt("the pickle does far more work than a file of its size needs (a crafted file?)");
  }

  void push(c10::IValue v) { stack_.push_back(Item{std::move(v), Global::Value}); }
  void push(Item item) { stack_.push_back(std::move(item)); }

  // Every container the pickle builds is recorded with its depth and kept alive until the reader ends, so
  // no container is freed (recursively) on the way, and its address names it for as long as the reader runs.
  struct Container {
    int depth;
    bool nested;  // inside another container: from then on it must not change, or its parents' depths would be stale
  };

  static bool is_container(const c10::IValue& v) { return v.isTuple() || v.isList() || v.isGenericDict(); }

  Container& container(const c10::IValue& v) {
    auto found = depths_.find(v.internalToPointer());
    if (found == depths_.end()) corrupt(std::string("the pickle uses a ") + v.tagKind() + " it did not build");
    return found->second;
  }

  void push_container(c10::IValue v, int depth) {
    if (depth > kMaxDepth) corrupt("the pickle nests containers more than " + std::to_string(kMaxDepth) + " levels deep");
    depths_.emplace(v.internalToPointer(), Container{depth, false});
    containers_.push_back(v);
    push(std::move(v));
  }

  // Marks the containers among items as nested and returns the depth of a container holding them.
  int nest(const std::vector<Item>& items) {
    int deepest = 0;
    for (const auto& item : items) {
      if (!is_container(item.value)) continue;
      auto& c = container(item.value);
      c.nested = true;
      deepest = std::max(deepest, c.depth);
    }
    return deepest + 1;
  }

  // The container on top of the stack receives items (APPEND, SETITEM...).
  void grow_top(const std::vector<Item>& items) {
    const auto& target = top().value;
    if (!is_container(target)) return;  // list_at_top or dict_at_top names what is wrong
    int depth = nest(items);
    auto& c = container(target);
    if (c.nested) corrupt("the pickle changes a container after putting it inside another");
    if (depth > kMaxDepth) corrupt("the pickle nests containers more than " + std::to_string(kMaxDepth) + " levels deep");
    c.depth = std::max(c.depth, depth);
  }

  void push_tuple(std::vector<Item> items) {
    int depth = nest(items);
    std::vector<c10::IValue> values;
    values.reserve(items.size());
    for (auto& item : items) values.push_back(std::move(item.value));
    push_container(c10::ivalue::Tuple::create(std::move(values)), depth);
  }

  Item& top() {
    if (stack_.empty()) corrupt("the pickle reads from an empty stack");
    return stack_.back();
  }

  Item pop() {
    Item item = std::move(top());
    stack_.pop_back();
    return item;
  }

  std::vector<Item> pop_n(size_t n) {
    if (stack_.size() < n) corrupt("the pickle reads from an empty stack");
    std::vector<Item> items;
    items.reserve(n);
    for (auto k = stack_.size() - n; k < stack_.size(); ++k) items.push_back(std::move(stack_[k]));
    stack_.resize(stack_.size() - n);
    return items;
  }

  std::vector<Item> pop_to_mark() {
    if (marks_.empty()) corrupt("the pickle closes a MARK it never opened");
    size_t start = marks_.back();
    marks_.pop_back();
    if (start > stack_.size()) corrupt("the pickle's MARK points past its stack");
    return pop_n(stack_.size() - start);
  }

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

  void insert_pairs(c10::impl::GenericDict dict, const std::vector<Item>& pairs) {
    if (pairs.size() % 2 != 0) corrupt("a dict has a key without a value");
    for (size_t k = 0; k < pairs.size(); k += 2) {
      const auto& key = pairs[k].value;
      if (!key.isString() && !key.isInt() && !key.isDouble() && !key.isBool())
        corrupt(std::string("a dict key is a ") + key.tagKind());
      // Hashing reads the whole key, and a memoized key can be inserted again and again.
      charge(key.isString() ? key.toStringRef().size() : 1);
      dict.insert_or_assign(key, pairs[k + 1].value);
    }
  }

  // The memo holds what the pickle stored, keyed by its ids: at most one entry per opcode, so a crafted
  // id cannot make it grow by more than the file does.
  void memo_put(uint64_t id) {
    memo_[id] = top();
    next_memo_id_ = memo_.size();
  }

  void memo_get(uint64_t id) {
    auto found = memo_.find(id);
    if (found == memo_.end()) corrupt("the pickle refers to memo entry " + std::to_string(id) + ", which was never stored");
    push(found->second);
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
    charge(args.toTupleRef().elements().size());
    auto a = args.toTupleRef().elements().vec();
    switch (callable.kind) {
      case Global::OrderedDict:
        push_container(c10::impl::GenericDict(c10::AnyType::get(), c10::AnyType::get()), 1);
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
    if (v.toTupleRef().elements().size() > kMaxDims)
      corrupt("a tensor has " + std::to_string(v.toTupleRef().elements().size()) + " dimensions, more than " +
              std::to_string(kMaxDims));
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
    int64_t offset = a[1].toInt();
    if (offset < 0) corrupt("a tensor has a negative storage offset");
    const auto& storage = a[0].toTensor();
    check_view_fits(size, stride, offset, storage.numel());
    return storage.as_strided(size, stride, offset);
  }

  // libtorch's own check multiplies the furthest element by the item size, which wraps for an offset
  // near 2^62 and lets a view point before its storage. Here every product is checked, in elements.
  static void check_view_fits(const std::vector<int64_t>& size, const std::vector<int64_t>& stride, int64_t offset,
                              int64_t storage_numel) {
    int64_t numel = 1;
    for (auto s : size)
      if (__builtin_mul_overflow(numel, s, &numel)) corrupt("a tensor's size overflows 64 bits");
    if (numel == 0) {
      if (offset > storage_numel)
        corrupt("a tensor starts at element " + std::to_string(offset) + " of a storage of " +
                std::to_string(storage_numel) + " elements");
      return;
    }
    int64_t last = offset;  // the furthest element the view reads
    for (size_t d = 0; d < size.size(); ++d) {
      int64_t reach;
      if (__builtin_mul_overflow(size[d] - 1, stride[d], &reach) || __builtin_add_overflow(last, reach, &last))
        corrupt("a tensor's size, stride and storage offset overflow 64 bits (offset " + std::to_string(offset) + ")");
    }
    if (last >= storage_numel)
      corrupt("a tensor reads element " + std::to_string(last) + " of a storage of " + std::to_string(storage_numel) +
              " elements (storage offset " + std::to_string(offset) + ")");
  }

  // ('storage', <torch.XStorage>, key, location, numel): the bytes are the archive's data/<key>.
  void persistent_load() {
    auto pid = pop().value;
    if (!pid.isTuple()) corrupt("a persistent id is not a tuple");
    charge(pid.toTupleRef().elements().size());
    auto a = pid.toTupleRef().elements().vec();
    if (a.size() < 5 || !a[0].isString() || a[0].toStringRef() != "storage" || !a[1].isString() || !a[2].isString() || !a[4].isInt())
      corrupt("a persistent id is not a storage");
    const auto& key = a[2].toStringRef();
    charge(a[1].toStringRef().size() + key.size());
    auto found = storages_.find(key);
    if (found != storages_.end()) {
      push(found->second);
      return;
    }
    auto dtype = storage_dtype(a[1].toStringRef());
    int64_t numel = a[4].toInt();
    if (numel < 0) corrupt("a storage has a negative size");
    auto item_size = static_cast<int64_t>(c10::elementSize(dtype));
    // The record is read, and its size checked, before anything is allocated for the storage.
    at::Tensor flat;
    if (numel == 0) {
      flat = at::empty({0}, at::TensorOptions().dtype(dtype));
    } else {
      std::string record = "data/" + key;
      if (!archive_.hasRecord(record)) corrupt("the archive has no " + record);
      auto [data, size] = archive_.getRecord(record);
      int64_t nbytes = 0;
      bool overflows = __builtin_mul_overflow(numel, item_size, &nbytes);
      if (overflows || static_cast<uint64_t>(nbytes) > size)
        corrupt(record + " holds " + std::to_string(size) + " bytes but its tensor needs " +
                (overflows ? std::to_string(numel) + " elements of " + std::to_string(item_size) + " bytes"
                           : std::to_string(nbytes)));
      flat = at::empty({numel}, at::TensorOptions().dtype(dtype));
      std::memcpy(flat.data_ptr(), data.get(), static_cast<size_t>(nbytes));
    }
    storages_.emplace(key, flat);
    push(flat);
  }

  const char* p_;
  const char* end_;
  caffe2::serialize::PyTorchStreamReader& archive_;
  std::vector<Item> stack_;
  std::unordered_map<uint64_t, Item> memo_;
  uint64_t next_memo_id_ = 0;
  std::vector<size_t> marks_;
  std::unordered_map<std::string, at::Tensor> storages_;
  std::vector<c10::IValue> containers_;
  std::unordered_map<const void*, Container> depths_;
  uint64_t work_ = 0;
  const uint64_t budget_;
};

uint64_t le64(const unsigned char* p) {
  uint64_t v = 0;
  for (int k = 7; k >= 0; --k) v = (v << 8) | p[k];
  return v;
}
uint32_t le32(const unsigned char* p) { return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24); }
uint16_t le16(const unsigned char* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }

const char* compression_name(uint16_t method) {
  switch (method) {
    case 1: return "shrink";
    case 6: return "implode";
    case 9: return "deflate64";
    case 12: return "bzip2";
    case 14: return "LZMA";
    case 93: return "Zstandard";
    case 95: return "xz";
    case 98: return "PPMd";
    case 99: return "AES encryption";
    default: return "unknown";
  }
}

// CRC-32 of a deflate entry's inflated bytes, streamed through a small buffer: a bomb that inflates to more
// than the directory says stops there, so checking costs at most what libtorch will allocate anyway.
uint32_t inflated_crc(const unsigned char* data, uint64_t compressed, uint64_t expected, const std::string& name,
                      std::string* keep = nullptr) {
  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK) throw std::runtime_error("zlib cannot start inflating");
  std::unique_ptr<z_stream, int (*)(z_stream*)> end(&z, inflateEnd);
  std::vector<unsigned char> buf(1 << 16);
  uint32_t crc = crc32(0L, Z_NULL, 0);
  uint64_t out = 0, in = 0;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (z.avail_in == 0 && in < compressed) {
      auto chunk = static_cast<uInt>(std::min<uint64_t>(compressed - in, 1u << 30));
      z.next_in = const_cast<unsigned char*>(data + in);
      z.avail_in = chunk;
      in += chunk;
    }
    z.next_out = buf.data();
    z.avail_out = static_cast<uInt>(buf.size());
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END && !(rc == Z_BUF_ERROR && z.avail_in == 0 && in < compressed))
      corrupt("the compressed data of " + name + " is damaged (" + (z.msg ? z.msg : "inflate failed") + ")");
    size_t got = buf.size() - z.avail_out;
    out += got;
    if (out > expected) corrupt("the compressed data of " + name + " is damaged: it inflates to more than the " + std::to_string(expected) + " bytes its directory entry says");
    crc = crc32(crc, buf.data(), static_cast<uInt>(got));
    if (keep != nullptr) keep->append(reinterpret_cast<const char*>(buf.data()), got);
    if (rc != Z_STREAM_END && got == 0 && z.avail_in == 0 && in >= compressed)
      corrupt("the compressed data of " + name + " is damaged (it ends early)");
  }
  if (out != expected)
    corrupt("the compressed data of " + name + " is damaged: it inflates to " + std::to_string(out) + " bytes, not the " + std::to_string(expected) + " its directory entry says");
  return crc;
}

struct ZipEntry {
  uint16_t method;
  uint64_t start, compressed, size;
};

// What libtorch's PyTorchStreamReader constructor checks after it has opened the zip: when it throws there,
// its destructor never runs and the zip reader's state leaks (found by fuzz/run.sh). The same checks run here
// first, so it never throws: a first entry inside a folder, and a version record it can parse and supports.
void check_archive_layout(const unsigned char* b, const std::string& first,
                          const std::unordered_map<std::string, ZipEntry>& by_name, uint64_t entries) {
  if (entries == 0) corrupt("the archive holds no files");
  auto slash = first.find('/');
  if (slash == std::string::npos) corrupt("the archive's first file, " + first + ", is not in a folder");
  std::string prefix = first.substr(0, slash + 1);
  for (auto& ch : prefix) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  auto found = by_name.find(prefix + ".data/version");
  if (found == by_name.end()) found = by_name.find(prefix + "version");
  if (found == by_name.end()) corrupt("the archive has no version record");
  const ZipEntry& v = found->second;
  if (v.size > 64) corrupt("the archive's version record is " + std::to_string(v.size) + " bytes long");
  std::string text;
  if (v.method == 0) text.assign(reinterpret_cast<const char*>(b + v.start), v.size);
  else inflated_crc(b + v.start, v.compressed, v.size, "version", &text);
  uint64_t version = 0;
  try {
    version = std::stoull(text);
  } catch (const std::exception&) {
    corrupt("the archive's version record is not a number");
  }
  if (version < caffe2::serialize::kMinSupportedFileFormatVersion || version > caffe2::serialize::kMaxSupportedFileFormatVersion)
    corrupt("the archive's format version " + std::to_string(version) + " is not supported (" +
            std::to_string(caffe2::serialize::kMinSupportedFileFormatVersion) + " to " +
            std::to_string(caffe2::serialize::kMaxSupportedFileFormatVersion) + " are)");
}

// libtorch's zip reader skips CRC checks, so a flipped bit in tensor data would load as wrong weights.
// Every entry's CRC-32 (stored or deflated) is checked against the central directory before anything is
// read, and entries in any other compression method are refused by name. Zip64 fields are followed, so
// marking a field "in the zip64 record" cannot skip the check.
void verify_zip_checksums(const char* data, int64_t nbytes) {
  auto b = reinterpret_cast<const unsigned char*>(data);
  auto n = static_cast<uint64_t>(nbytes);
  // The end-of-central-directory record (22 bytes plus a comment of up to 64 KiB) closes the file.
  uint64_t eocd = UINT64_MAX;
  if (n >= 22) {
    uint64_t lowest = n - 22 > 65535 ? n - 22 - 65535 : 0;
    for (uint64_t k = n - 22 + 1; k-- > lowest;) {
      if (le32(b + k) == 0x06054b50) {
        eocd = k;
        break;
      }
    }
  }
  if (eocd == UINT64_MAX) corrupt("the zip directory is missing (the file is truncated)");
  uint64_t entries = le16(b + eocd + 10);
  uint64_t dir = le32(b + eocd + 16);
  // A zip64 archive keeps its real counts in a zip64 record, found through the locator just before.
  if (eocd >= 20 && le32(b + eocd - 20) == 0x07064b50) {
    uint64_t z64 = le64(b + eocd - 20 + 8);
    if (z64 > n || n - z64 < 56 || le32(b + z64) != 0x06064b50) corrupt("the zip64 directory record is damaged");
    entries = le64(b + z64 + 32);
    dir = le64(b + z64 + 48);
  }
  std::unordered_map<std::string, ZipEntry> by_name;  // lower-cased, as libtorch's zip reader looks names up
  std::string first;
  uint64_t at = dir;
  for (uint64_t e = 0; e < entries; ++e) {
    if (at > n || n - at < 46 || le32(b + at) != 0x02014b50) corrupt("the zip directory is damaged");
    uint16_t flags = le16(b + at + 8);
    uint16_t method = le16(b + at + 10);
    uint32_t crc = le32(b + at + 16);
    uint64_t compressed = le32(b + at + 20);
    uint64_t size = le32(b + at + 24);
    uint64_t name_len = le16(b + at + 28), extra_len = le16(b + at + 30), comment_len = le16(b + at + 32);
    uint64_t local = le32(b + at + 42);
    if (n - at - 46 < name_len + extra_len + comment_len) corrupt("the zip directory is damaged");
    std::string name(reinterpret_cast<const char*>(b + at + 46), name_len);
    // Fields set to 0xFFFFFFFF live in the zip64 extra field, in this order, 8 bytes each.
    if (size == 0xFFFFFFFFu || compressed == 0xFFFFFFFFu || local == 0xFFFFFFFFu) {
      const unsigned char* x = b + at + 46 + name_len;
      const unsigned char* x_end = x + extra_len;
      bool found = false;
      while (x_end - x >= 4) {
        uint16_t id = le16(x), len = le16(x + 2);
        if (static_cast<uint64_t>(x_end - x - 4) < len) break;
        if (id == 0x0001) {
          const unsigned char* f = x + 4;
          const unsigned char* f_end = f + len;
          auto next = [&](uint64_t& field) {
            if (field != 0xFFFFFFFFu) return;
            if (f_end - f < 8) corrupt("the zip64 fields of " + name + " are damaged");
            field = le64(f);
            f += 8;
          };
          next(size);
          next(compressed);
          next(local);
          found = true;
          break;
        }
        x += 4 + len;
      }
      if (!found) corrupt("the zip entry " + name + " lacks its zip64 fields");
    }
    // Bits 0 and 6 mark encryption, bit 5 a patch: libtorch's zip reader refuses all three (from its constructor,
    // leaking its state, when it is the version record; found by the fuzzer).
    if (flags & 0x41) corrupt("the zip entry " + name + " is encrypted");
    if (flags & 0x20) corrupt("the zip entry " + name + " is a compressed patch");
    if (method != 0 && method != 8)
      corrupt("the zip entry " + name + " uses compression method " + std::to_string(method) + " (" +
              compression_name(method) + "); only stored and deflate entries are supported");
    if (local > n || n - local < 30 || le32(b + local) != 0x04034b50) corrupt("the zip entry " + name + " is damaged");
    uint64_t start = local + 30 + le16(b + local + 26) + le16(b + local + 28);
    if (start > n || n - start < compressed) corrupt("the zip entry " + name + " is truncated");
    uint32_t actual;
    if (method == 0) {
      if (compressed != size) corrupt("the zip entry " + name + " is stored but its sizes differ");
      actual = static_cast<uint32_t>(crc32_z(0L, b + start, static_cast<z_size_t>(size)));
    } else {
      actual = inflated_crc(b + start, compressed, size, name);
    }
    if (actual != crc) corrupt("the data of " + name + " is damaged (CRC-32 mismatch)");
    if (e == 0) first = name;
    std::string key = name;
    for (auto& ch : key) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (!by_name.emplace(key, ZipEntry{method, start, compressed, size}).second) corrupt("the archive holds two entries named " + name);
    at += 46 + name_len + extra_len + comment_len;
  }
  check_archive_layout(b, first, by_name, entries);
}

// A dict of names to tensors, read from a .pt file's bytes.
std::unique_ptr<StateDict> read_pt(const char* bytes, int64_t nbytes) {
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
    // The unpickler owns every value it built and tears them down iteratively when it goes; only the
    // tensors leave it.
    Unpickler unpickler(static_cast<const char*>(pickle.get()), size, *archive);
    c10::IValue v = unpickler.run();
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
    return sd;
  } catch (const c10::Error& e) {
    corrupt(cnnvis::short_message(e));
  }
}

struct FileCloser {
  int fd;
  ~FileCloser() { ::close(fd); }
};

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
  *out = read_pt(p, nbytes).release();
  CV_CATCH
}

CV_API int cv_file_read(const char* path, int64_t max_bytes, void** data, int64_t* nbytes) {
  CV_TRY
  CV_REQUIRE(path != nullptr, "path is null");
  // Non-blocking, so that opening a FIFO nobody writes to returns at once instead of waiting forever.
  int fd = ::open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error(std::string("cannot open the file: ") + std::strerror(errno));
  FileCloser closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw std::runtime_error(std::string("cannot read the file: ") + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw std::invalid_argument("it is a folder, not a file");
  // A device, FIFO or socket can stream forever (/dev/zero): only regular files, whose size is known, are read.
  if (!S_ISREG(st.st_mode)) throw std::invalid_argument("not a regular file (a device, FIFO or socket), so its size is unknown");
  if (st.st_size > max_bytes)
    throw std::invalid_argument("the file is " + std::to_string(st.st_size) + " bytes, more than the limit of " +
                                std::to_string(max_bytes) + " bytes");
  auto size = static_cast<size_t>(st.st_size);
  std::unique_ptr<char, void (*)(void*)> buf(static_cast<char*>(std::malloc(size > 0 ? size : 1)), std::free);
  if (!buf) throw std::runtime_error("not enough memory to read the file's " + std::to_string(size) + " bytes");
  size_t have = 0;
  while (have < size) {
    ssize_t got = ::read(fd, buf.get() + have, size - have);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw std::runtime_error(std::string("cannot read the file: ") + std::strerror(errno));
    if (got == 0) throw std::runtime_error("the file shrank while it was read");
    have += static_cast<size_t>(got);
  }
  *data = buf.release();
  *nbytes = static_cast<int64_t>(size);
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
