// mote runtime — tensor element types and shapes, as the .tflite format defines them.
//
// Shapes are plain values (rank + dims), never pointers into the model, so they can be copied into
// per-op data at prepare time and read by kernels without touching flash.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace mote {

// Values are the .tflite TensorType codes.
enum class TensorType : uint8_t {
  kFloat32 = 0,
  kFloat16 = 1,
  kInt32 = 2,
  kUInt8 = 3,
  kInt64 = 4,
  kString = 5,
  kBool = 6,
  kInt16 = 7,
  kComplex64 = 8,
  kInt8 = 9,
  kFloat64 = 10,
  kComplex128 = 11,
  kUInt64 = 12,
  kResource = 13,
  kVariant = 14,
  kUInt32 = 15,
  kUInt16 = 16,
  kInt4 = 17,
};
constexpr uint8_t kNumTensorTypes = 18;

// Bytes per element; 0 for types mote cannot lay out in an arena (strings, resources, int4).
size_t type_size(TensorType t);
// "FLOAT32", "INT8", ... as in the schema; "?" for values outside the enum.
const char* type_name(TensorType t);

constexpr int kMaxRank = 6;

struct Shape {
  int32_t rank = 0;
  int32_t dims[kMaxRank] = {0, 0, 0, 0, 0, 0};

  int32_t dim(int i) const { return dims[i]; }
  // Product of all dims (1 for a scalar). The loader guarantees it fits in int32 for every
  // tensor of a verified model.
  int32_t elements() const {
    int32_t n = 1;
    for (int i = 0; i < rank; ++i) n *= dims[i];
    return n;
  }
  // Dims [begin, end) multiplied.
  int32_t span(int begin, int end) const {
    int32_t n = 1;
    for (int i = begin; i < end; ++i) n *= dims[i];
    return n;
  }
  bool operator==(const Shape& o) const {
    if (rank != o.rank) return false;
    for (int i = 0; i < rank; ++i)
      if (dims[i] != o.dims[i]) return false;
    return true;
  }
  bool operator!=(const Shape& o) const { return !(*this == o); }
};

// Writes the shape as "[1,2,3]" ("[]" for a scalar) into `buf` for error messages. Always
// NUL-terminated; a buffer too small keeps the first capacity - 1 characters.
//   char s[64];  format_shape(t->shape, s, sizeof(s));  ctx.fail(..., "output shape %s", s);
void format_shape(const Shape& s, char* buf, size_t capacity);

}  // namespace mote
