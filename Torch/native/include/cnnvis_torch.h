// The C ABI of libcnnvis_torch. Every function returns CV_OK or a failure status; on failure the message
// is read with cv_last_error() (a buffer the native side owns, valid until the next failing call on
// the same thread). Results come out through pointers, never through the return value.
#pragma once
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CV_API __attribute__((visibility("default")))

// CV_ERROR: the input was refused (a bad argument, shape, type or file): the caller can fix it.
// CV_OUT_OF_MEMORY: an allocation failed. CV_INTERNAL: a defect (a failed internal assertion, an unknown exception).
enum { CV_OK = 0, CV_ERROR = 1, CV_OUT_OF_MEMORY = 2, CV_INTERNAL = 3 };

// Tags of a packed operator argument or result.
enum {
  CV_NONE = 0,
  CV_TENSOR = 1,
  CV_INT = 2,
  CV_DOUBLE = 3,
  CV_BOOL = 4,
  CV_INT_LIST = 5,
  CV_DOUBLE_LIST = 6,
  CV_TENSOR_LIST = 7,
  CV_STRING = 8,
  CV_DEVICE = 9,
  CV_OPTIONAL_TENSOR_LIST = 10,
  CV_BOOL_LIST = 11,
};

// One packed value. Which fields count depends on tag:
//  TENSOR: p = tensor handle. INT/BOOL: i. DOUBLE: d. STRING: p = UTF-8, NUL-terminated.
//  INT_LIST/BOOL_LIST: p = int64_t[count]. DOUBLE_LIST: p = double[count].
//  TENSOR_LIST/OPTIONAL_TENSOR_LIST: p = handle[count] (NULL entries allowed in the optional one).
//  DEVICE: i = device type (0 cpu, 1 cuda), count = index (-1 for none).
typedef struct cv_value {
  int32_t tag;
  int32_t count;
  int64_t i;
  double d;
  void* p;
} cv_value;

typedef void* cv_tensor;  // an owned at::Tensor*
typedef void* cv_op;      // a c10::OperatorHandle*, never freed (operators live as long as the process)
typedef void* cv_state_dict;

CV_API const char* cv_last_error(void);

// Tensors.
CV_API int cv_tensor_from_data(const void* data, int32_t dtype, const int64_t* shape, int32_t ndim, cv_tensor* out);
CV_API int cv_tensor_copy_to(cv_tensor t, void* dst, int64_t nbytes);
CV_API int cv_tensor_free(cv_tensor t);
// How many tensor handles the library has handed out and not yet freed: for leak tests.
CV_API int cv_live_handles(int64_t* out);
CV_API int cv_tensor_ndim(cv_tensor t, int32_t* out);
CV_API int cv_tensor_sizes(cv_tensor t, int64_t* out, int32_t capacity);
CV_API int cv_tensor_numel(cv_tensor t, int64_t* out);
CV_API int cv_tensor_dtype(cv_tensor t, int32_t* out);
CV_API int cv_tensor_device(cv_tensor t, int32_t* type, int32_t* index);
CV_API int cv_tensor_requires_grad(cv_tensor t, int32_t* out);
CV_API int cv_tensor_set_requires_grad(cv_tensor t, int32_t requires_grad);
CV_API int cv_tensor_is_leaf(cv_tensor t, int32_t* out);
CV_API int cv_tensor_grad(cv_tensor t, cv_tensor* out, int32_t* defined);
CV_API int cv_tensor_set_grad(cv_tensor t, cv_tensor grad_or_null);
CV_API int cv_tensor_detach(cv_tensor t, cv_tensor* out);
CV_API int cv_tensor_alias(cv_tensor t, cv_tensor* out);
// Replaces t's data (storage, shape, strides) with src's, keeping t's identity: as PyTorch's `p.data = src`.
CV_API int cv_tensor_set_data(cv_tensor t, cv_tensor src);
CV_API int cv_tensor_is_contiguous(cv_tensor t, int32_t memory_format, int32_t* out);
CV_API int cv_tensor_item_double(cv_tensor t, double* out);
CV_API int cv_tensor_item_int64(cv_tensor t, int64_t* out);

// Operators: one boxed call into the c10 dispatcher.
CV_API int cv_op_find(const char* name, const char* overload, cv_op* out);
CV_API int cv_op_schema(cv_op op, const char** out);
// Results: tensors come out as new owned handles; a tensor list's handles sit in a per-thread array
// that stays valid until the next cv_op_call on the thread (each handle is still owned by the caller).
CV_API int cv_op_call(cv_op op, const cv_value* args, int32_t nargs, cv_value* results, int32_t capacity, int32_t* nresults);

// Autograd.
CV_API int cv_backward(cv_tensor t, cv_tensor grad_or_null, int32_t retain_graph, int32_t create_graph);
CV_API int cv_autograd_grad(const cv_tensor* outputs, const cv_tensor* grad_outputs, int32_t noutputs,
                            const cv_tensor* inputs, int32_t ninputs, int32_t retain_graph, int32_t create_graph,
                            int32_t allow_unused, cv_tensor* results);
CV_API int cv_set_grad_enabled(int32_t enabled, int32_t* previous);
CV_API int cv_is_grad_enabled(int32_t* out);

// Runtime.
CV_API int cv_manual_seed(uint64_t seed);
CV_API int cv_set_num_threads(int32_t n);
CV_API int cv_get_num_threads(int32_t* out);
CV_API int cv_version(const char** out);
CV_API int cv_cuda_is_available(int32_t* out);
// Keeps freed tensor memory in the process instead of handing it back to the system after every step
// (glibc's default), so the next step does not page-fault it back in: mmap_threshold and trim_threshold
// in bytes, as mallopt's M_MMAP_THRESHOLD and M_TRIM_THRESHOLD.
CV_API int cv_configure_allocator(int64_t mmap_threshold, int64_t trim_threshold);

// State dicts in PyTorch's zip format (torch.save / torch.load).
CV_API int cv_state_dict_save(const char* path, const char* const* names, const cv_tensor* tensors, int32_t n);
CV_API int cv_state_dict_load(const void* bytes, int64_t nbytes, cv_state_dict* out);
CV_API int cv_state_dict_size(cv_state_dict sd, int32_t* out);
CV_API int cv_state_dict_entry(cv_state_dict sd, int32_t index, const char** name, cv_tensor* tensor);
CV_API int cv_state_dict_free(cv_state_dict sd);
// Reads a whole regular file of at most max_bytes into memory the caller frees with cv_free. Devices, FIFOs
// and sockets are refused (they may never end, or block), as is a file over the limit, before reading.
CV_API int cv_file_read(const char* path, int64_t max_bytes, void** data, int64_t* nbytes);

// Images: decode PNG/JPEG/BMP/GIF to uint8 HxWxC; encode uint8 HxWxC (C = 1, 3 or 4) to PNG. An image whose
// header declares more than max_pixels pixels, or a truncated one, is refused before it is decoded.
CV_API int cv_image_decode(const void* bytes, int64_t nbytes, int32_t channels, int64_t max_pixels, cv_tensor* out);
// How many decoded pixel buffers are alive (held by tensors): for leak tests.
CV_API int cv_image_live_buffers(int64_t* out);
CV_API int cv_image_encode_png(cv_tensor t, void** data, int64_t* nbytes);
CV_API int cv_free(void* p);

#ifdef __cplusplus
}
#endif
