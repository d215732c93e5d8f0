// Image decode/encode with Debian's stb (libstb-dev): PNG, JPEG, BMP, GIF in; PNG out.
// stb is compiled here, private to this file, with only the four decoders CnnVis promises: stb tries its other
// decoders (TGA has no signature to check) on any file its first choice refuses, and uploaded files should
// reach no more of stb than needed.
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_ONLY_GIF
#define STBI_NO_STDIO
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#include <stb_image.h>
#include <stb_image_write.h>
#pragma GCC diagnostic pop

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "errors.h"
#include "handles.h"

using cnnvis::as_tensor;
using cnnvis::new_handle;

namespace {

// Pixel buffers stb has handed out and nobody has freed yet, so tests can prove none leaks.
std::atomic<int64_t> live_pixel_buffers{0};

struct PixelsFree {
  void operator()(unsigned char* p) const {
    stbi_image_free(p);
    live_pixel_buffers.fetch_sub(1, std::memory_order_relaxed);
  }
};
using Pixels = std::unique_ptr<unsigned char, PixelsFree>;

void append_bytes(void* context, void* data, int size) {
  auto v = static_cast<std::vector<unsigned char>*>(context);
  auto p = static_cast<unsigned char*>(data);
  v->insert(v->end(), p, p + size);
}

enum class Format { Png, Jpeg, Bmp, Gif };

// stb reads more formats than CnnVis promises (PSD, TGA, HDR, PIC, PNM); only the four named are let
// through, so the rest of stb is not exposed to uploaded files.
Format sniff(const unsigned char* b, int64_t n) {
  if (n >= 8 && std::memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0) return Format::Png;
  if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return Format::Jpeg;
  if (n >= 2 && b[0] == 'B' && b[1] == 'M') return Format::Bmp;
  if (n >= 6 && (std::memcmp(b, "GIF87a", 6) == 0 || std::memcmp(b, "GIF89a", 6) == 0)) return Format::Gif;
  throw std::invalid_argument("cannot decode image: not a PNG, JPEG, BMP or GIF file");
}

int64_t le32s(const unsigned char* p) {
  return static_cast<int32_t>(p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24));
}

// Debian's stb (2.27) builds a JPEG Huffman table from the 16 code counts of a DHT segment without checking
// that they add up to at most 256, and writes past the table when they do not (memory corruption; found by
// fuzz/run.sh image). Every DHT segment stb could read is checked first, walking the markers as stb does:
// bytes between segments are skipped up to an 0xFF, a segment is skipped by its length, and a scan's
// entropy-coded data runs up to an 0xFF followed by neither 0 nor a restart marker.
void refuse_bad_huffman_tables(const unsigned char* b, int64_t n) {
  auto at = [&](int64_t k) -> int64_t { return k < n ? b[k] : 0; };  // stb reads zeros past the end
  int64_t p = 2;  // after the start-of-image marker
  while (p < n) {
    if (b[p] != 0xFF) {
      ++p;
      continue;
    }
    while (p < n && b[p] == 0xFF) ++p;
    if (p >= n) return;
    int64_t marker = b[p++];
    if (marker == 0xD9) return;  // end of image
    if (marker == 0x00 || marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // no segment follows
    int64_t length = (at(p) << 8) | at(p + 1);
    if (marker == 0xC4) {
      int64_t q = p + 2, left = length - 2;
      while (left > 0 && q < n) {
        if ((at(q) >> 4) > 1 || (at(q) & 15) > 3) break;  // stb refuses the segment here
        int64_t codes = 0;
        for (int k = 1; k <= 16; ++k) codes += at(q + k);
        if (codes > 256)
          throw std::invalid_argument("cannot decode image: the JPEG has a Huffman table of " + std::to_string(codes) +
                                      " codes (at most 256)");
        q += 17 + codes;
        left -= 17 + codes;
      }
    }
    p += length;
    if (marker == 0xDA) {
      while (p + 1 < n && !(b[p] == 0xFF && b[p + 1] != 0x00 && !(b[p + 1] >= 0xD0 && b[p + 1] <= 0xD7))) ++p;
    }
  }
}

// stb fills whatever a BMP or GIF lacks with zeros, so a cut file would decode as a partly black image: both
// are checked for their end first, as are a PNG's chunk lengths. stb itself refuses a cut JPEG ("expected marker").
void refuse_truncated(Format format, const unsigned char* b, int64_t n) {
  switch (format) {
    case Format::Bmp: {
      if (n < 30) throw std::invalid_argument("cannot decode image: the BMP is truncated inside its header");
      int64_t offset = static_cast<uint32_t>(le32s(b + 10));
      int64_t header = static_cast<uint32_t>(le32s(b + 14));
      int64_t width, height, bpp, compression = 0;
      if (header == 12) {
        width = b[18] | (b[19] << 8);
        height = b[20] | (b[21] << 8);
        bpp = b[24] | (b[25] << 8);
      } else {
        if (n < 34) throw std::invalid_argument("cannot decode image: the BMP is truncated inside its header");
        width = le32s(b + 18);
        height = le32s(b + 22);
        bpp = b[28] | (b[29] << 8);
        compression = le32s(b + 30);
      }
      // Run-length encoded bitmaps have no fixed size (and stb refuses them); the others do.
      if (compression != 0 && compression != 3 && compression != 6) return;
      if (width <= 0 || bpp <= 0 || bpp > 32) return;  // stb names what is wrong
      int64_t rows = height < 0 ? -height : height;
      int64_t row_bytes = (width * bpp + 31) / 32 * 4;
      int64_t pixel_bytes = 0, need = 0;
      if (__builtin_mul_overflow(row_bytes, rows, &pixel_bytes) || __builtin_add_overflow(offset, pixel_bytes, &need))
        throw std::invalid_argument("cannot decode image: the BMP declares more pixel data than any file holds");
      if (n < need)
        throw std::invalid_argument("cannot decode image: the BMP is truncated: its pixels end at byte " +
                                    std::to_string(need) + ", the file has " + std::to_string(n));
      return;
    }
    case Format::Gif:
      if (b[n - 1] != 0x3B) throw std::invalid_argument("cannot decode image: the GIF is truncated (it does not end with its trailer byte)");
      return;
    case Format::Png: {
      // stb grows its buffer to each IDAT chunk's declared length before reading it: a 100-byte file declaring
      // a 1.9 GB chunk made it allocate 1.9 GB (found by the fuzzer). Every chunk must fit in the file.
      int64_t p = 8;
      while (p + 12 <= n) {
        int64_t length = (static_cast<int64_t>(b[p]) << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3];
        std::string type(reinterpret_cast<const char*>(b + p + 4), 4);
        if (length > n - p - 12)
          throw std::invalid_argument("cannot decode image: the PNG is truncated: its " + type + " chunk claims " +
                                      std::to_string(length) + " bytes, " + std::to_string(n - p - 12) + " remain");
        if (type == "IEND") return;
        p += 12 + length;
      }
      throw std::invalid_argument("cannot decode image: the PNG is truncated (it has no IEND chunk)");
    }
    case Format::Jpeg:
      return;
  }
}

}  // namespace

extern "C" {

CV_API int cv_image_decode(const void* bytes, int64_t nbytes, int32_t channels, int64_t max_pixels, cv_tensor* out) {
  CV_TRY
  CV_REQUIRE(nbytes > 0, "the image is empty");
  CV_REQUIRE(nbytes <= INT32_MAX, "the image is larger than 2 GiB");
  CV_REQUIRE(channels >= 0 && channels <= 4, "channels must be 0 (as stored), 1, 2, 3 or 4");
  CV_REQUIRE(max_pixels > 0, "the pixel limit must be positive");
  auto b = static_cast<const unsigned char*>(bytes);
  auto n = static_cast<int>(nbytes);
  Format format = sniff(b, nbytes);
  if (format == Format::Jpeg) refuse_bad_huffman_tables(b, nbytes);
  // The header's dimensions are read first, so an image too large to hold is refused before stb
  // allocates for it (a 389 KB PNG can declare 20000x20000 pixels).
  int w = 0, h = 0, c = 0;
  if (!stbi_info_from_memory(b, n, &w, &h, &c)) throw std::runtime_error(std::string("cannot decode image: ") + stbi_failure_reason());
  int64_t pixels = static_cast<int64_t>(w) * h;
  if (pixels > max_pixels)
    throw std::invalid_argument("the image is " + std::to_string(w) + "x" + std::to_string(h) + " = " + std::to_string(pixels) +
                                " pixels, more than the limit of " + std::to_string(max_pixels));
  refuse_truncated(format, b, nbytes);
  Pixels decoded(stbi_load_from_memory(b, n, &w, &h, &c, channels));
  if (!decoded) throw std::runtime_error(std::string("cannot decode image: ") + stbi_failure_reason());
  live_pixel_buffers.fetch_add(1, std::memory_order_relaxed);
  // stb may decode a different size than its header said (GIF frames); check again against what it made.
  CV_REQUIRE(static_cast<int64_t>(w) * h <= max_pixels, "the image decodes to more pixels than the limit");
  int have = channels ? channels : c;
  // The tensor takes over stb's buffer (no copy); until it exists, `decoded` frees it on any throw.
  at::Tensor t = at::from_blob(decoded.get(), {h, w, have}, [](void* p) { PixelsFree()(static_cast<unsigned char*>(p)); },
                               at::TensorOptions().dtype(at::kByte));
  decoded.release();
  *out = new_handle(std::move(t));
  CV_CATCH
}

CV_API int cv_image_live_buffers(int64_t* out) {
  CV_TRY
  *out = live_pixel_buffers.load(std::memory_order_relaxed);
  CV_CATCH
}

CV_API int cv_image_encode_png(cv_tensor t, void** data, int64_t* nbytes) {
  CV_TRY
  auto x = as_tensor(t);
  CV_REQUIRE(x.scalar_type() == at::kByte, std::string("PNG encode needs a uint8 tensor, got ") + c10::toString(x.scalar_type()));
  CV_REQUIRE(x.dim() == 3 || x.dim() == 2, "PNG encode needs an HxWxC or HxW tensor, got " + std::to_string(x.dim()) + " dimensions");
  if (x.dim() == 2) x = x.unsqueeze(2);
  int h = static_cast<int>(x.size(0)), w = static_cast<int>(x.size(1)), c = static_cast<int>(x.size(2));
  CV_REQUIRE(c == 1 || c == 2 || c == 3 || c == 4, "PNG encode needs 1, 2, 3 or 4 channels, got " + std::to_string(c));
  CV_REQUIRE(h > 0 && w > 0, "PNG encode needs a non-empty image");
  x = x.to(at::kCPU).contiguous();
  std::vector<unsigned char> buf;
  if (!stbi_write_png_to_func(append_bytes, &buf, w, h, c, x.data_ptr(), w * c))
    throw std::runtime_error("PNG encoding failed");
  void* p = std::malloc(buf.size());
  if (!p) throw std::bad_alloc();
  std::memcpy(p, buf.data(), buf.size());
  *data = p;
  *nbytes = static_cast<int64_t>(buf.size());
  CV_CATCH
}

CV_API int cv_free(void* p) {
  CV_TRY
  std::free(p);
  CV_CATCH
}

}  // extern "C"
