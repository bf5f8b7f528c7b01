#include "runtime/tensor.h"

namespace mote {

size_t type_size(TensorType t) {
  switch (t) {
    case TensorType::kFloat32: return 4;
    case TensorType::kFloat16: return 2;
    case TensorType::kInt32: return 4;
    case TensorType::kUInt8: return 1;
    case TensorType::kInt64: return 8;
    case TensorType::kBool: return 1;
    case TensorType::kInt16: return 2;
    case TensorType::kComplex64: return 8;
    case TensorType::kInt8: return 1;
    case TensorType::kFloat64: return 8;
    case TensorType::kComplex128: return 16;
    case TensorType::kUInt64: return 8;
    case TensorType::kUInt32: return 4;
    case TensorType::kUInt16: return 2;
    default: return 0;
  }
}

const char* type_name(TensorType t) {
  static const char* const kNames[kNumTensorTypes] = {
      "FLOAT32", "FLOAT16", "INT32",      "UINT8",  "INT64",    "STRING", "BOOL",   "INT16",  "COMPLEX64",
      "INT8",    "FLOAT64", "COMPLEX128", "UINT64", "RESOURCE", "VARIANT", "UINT32", "UINT16", "INT4"};
  uint8_t v = static_cast<uint8_t>(t);
  return v < kNumTensorTypes ? kNames[v] : "?";
}

void format_shape(const Shape& s, char* buf, size_t capacity) {
  if (capacity == 0) return;
  size_t n = 0;
  auto put = [&](char c) {
    if (n + 1 < capacity) buf[n++] = c;
  };
  put('[');
  for (int32_t i = 0; i < s.rank; ++i) {
    if (i) put(',');
    // Magnitude in unsigned arithmetic, so INT32_MIN prints too.
    uint32_t v = static_cast<uint32_t>(s.dims[i]);
    if (s.dims[i] < 0) {
      put('-');
      v = 0u - v;
    }
    char digits[10];
    int nd = 0;
    do {
      digits[nd++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    while (nd) put(digits[--nd]);
  }
  put(']');
  buf[n] = 0;
}

}  // namespace mote
