// libFuzzer target for the .pt reader (cv_state_dict_load). The first byte picks how the rest is used:
// even: the rest is a whole .pt file, as a user would upload it;
// odd:  the rest is a pickle, packed here into a well-formed archive with valid CRCs and four small
//       storages, so that mutations reach the unpickler instead of stopping at the zip checks.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <vector>

#include <zlib.h>

#include "cnnvis_torch.h"

namespace {

void put16(std::string& s, uint32_t v) {
  s.push_back(static_cast<char>(v & 0xFF));
  s.push_back(static_cast<char>((v >> 8) & 0xFF));
}
void put32(std::string& s, uint32_t v) {
  put16(s, v & 0xFFFF);
  put16(s, v >> 16);
}

// A zip of stored entries, as torch.save writes them (without its alignment padding).
std::string make_archive(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string out, dir;
  for (const auto& [name, data] : entries) {
    uint32_t crc = crc32(0L, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size()));
    uint32_t offset = static_cast<uint32_t>(out.size());
    put32(out, 0x04034b50);
    put16(out, 20); put16(out, 0); put16(out, 0); put16(out, 0); put16(out, 0);
    put32(out, crc); put32(out, static_cast<uint32_t>(data.size())); put32(out, static_cast<uint32_t>(data.size()));
    put16(out, static_cast<uint32_t>(name.size())); put16(out, 0);
    out += name;
    out += data;
    put32(dir, 0x02014b50);
    put16(dir, 20); put16(dir, 20); put16(dir, 0); put16(dir, 0); put16(dir, 0); put16(dir, 0);
    put32(dir, crc); put32(dir, static_cast<uint32_t>(data.size())); put32(dir, static_cast<uint32_t>(data.size()));
    put16(dir, static_cast<uint32_t>(name.size())); put16(dir, 0); put16(dir, 0); put16(dir, 0); put16(dir, 0);
    put32(dir, 0); put32(dir, offset);
    dir += name;
  }
  uint32_t dir_offset = static_cast<uint32_t>(out.size());
  out += dir;
  put32(out, 0x06054b50);
  put16(out, 0); put16(out, 0);
  put16(out, static_cast<uint32_t>(entries.size())); put16(out, static_cast<uint32_t>(entries.size()));
  put32(out, static_cast<uint32_t>(dir.size())); put32(out, dir_offset);
  put16(out, 0);
  return out;
}

void load(const char* data, size_t size) {
  cv_state_dict sd = nullptr;
  if (cv_state_dict_load(data, static_cast<int64_t>(size), &sd) != CV_OK) return;
  int32_t n = 0;
  cv_state_dict_size(sd, &n);
  for (int32_t k = 0; k < n; ++k) {
    const char* name = nullptr;
    cv_tensor t = nullptr;
    if (cv_state_dict_entry(sd, k, &name, &t) == CV_OK) {
      // Read every element the view reaches (as loading into a model does): a view outside its storage
      // shows up here under AddressSanitizer. Huge broadcast views are skipped to stay inside the memory limit.
      int64_t numel = 0;
      int32_t dtype = 0;
      cv_tensor_numel(t, &numel);
      cv_tensor_dtype(t, &dtype);
      int64_t bytes = numel * 8;
      if (numel >= 0 && numel <= (1 << 20)) {
        std::vector<char> copy(static_cast<size_t>(bytes));
        int64_t exact = 0;
        // The copy needs the exact byte count: try each item size (1, 2, 4, 8).
        for (int64_t item : {1, 2, 4, 8}) {
          exact = numel * item;
          if (cv_tensor_copy_to(t, copy.data(), exact) == CV_OK) break;
        }
      }
      cv_tensor_free(t);
    }
  }
  cv_state_dict_free(sd);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const char* rest = reinterpret_cast<const char*>(data + 1);
  if ((data[0] & 1) == 0) {
    load(rest, size - 1);
  } else {
    std::string storage(64, '\x3f');
    std::string zip = make_archive({{"archive/data.pkl", std::string(rest, size - 1)},
                                    {"archive/data/0", storage},
                                    {"archive/data/1", storage},
                                    {"archive/data/2", storage},
                                    {"archive/data/3", storage},
                                    {"archive/version", "3\n"}});
    load(zip.data(), zip.size());
  }
  return 0;
}
