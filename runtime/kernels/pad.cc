#include "runtime/kernels/pad.h"

#include <string.h>

namespace mote {

void plan_pad(const Shape& in, const int32_t* before, const int32_t* after, PadPlan* plan) {
  PadPlan p;
  int32_t n = 0;
  for (int32_t d = 0; d < in.rank; ++d) {
    if (n > 0 && before[d] == 0 && after[d] == 0) {
      // Unpadded: fold into the outer dimension (its rows simply get longer).
      p.in_dims[n - 1] *= in.dims[d];
      p.before[n - 1] *= in.dims[d];
      p.after[n - 1] *= in.dims[d];
      continue;
    }
    p.in_dims[n] = in.dims[d];
    p.before[n] = before[d];
    p.after[n] = after[d];
    ++n;
  }
  if (n == 0) {  // scalar
    n = 1;
    p.in_dims[0] = 1;
  }
  p.rank = n;
  int32_t stride = 1;
  for (int32_t d = n - 1; d >= 0; --d) {
    p.out_stride[d] = stride;
    stride *= p.before[d] + p.in_dims[d] + p.after[d];
  }
  *plan = p;
}

namespace {

template <typename T>
inline void fill(T* out, int32_t n, T v) {
  for (int32_t i = 0; i < n; ++i) out[i] = v;
}

template <>
inline void fill<int8_t>(int8_t* out, int32_t n, int8_t v) {
  if (n > 0) memset(out, static_cast<uint8_t>(v), static_cast<size_t>(n));
}

// Writes the block of output dimension d (and everything inside it); returns the input consumed.
template <typename T>
const T* pad_dim(const PadPlan& p, int32_t d, const T* in, T pad_value, T* out) {
  const int32_t stride = p.out_stride[d];
  fill(out, p.before[d] * stride, pad_value);
  out += p.before[d] * stride;
  if (d == p.rank - 1) {
    if (p.in_dims[d] > 0) memcpy(out, in, static_cast<size_t>(p.in_dims[d]) * sizeof(T));
    in += p.in_dims[d];
    out += p.in_dims[d];
  } else {
    for (int32_t i = 0; i < p.in_dims[d]; ++i) {
      in = pad_dim(p, d + 1, in, pad_value, out);
      out += stride;
    }
  }
  fill(out, p.after[d] * stride, pad_value);
  return in;
}

}  // namespace

void pad_s8(const PadPlan& plan, const int8_t* in, int8_t pad_value, int8_t* out) {
  pad_dim(plan, 0, in, pad_value, out);
}
void pad_s16(const PadPlan& plan, const int16_t* in, int16_t pad_value, int16_t* out) {
  pad_dim(plan, 0, in, pad_value, out);
}
void pad_s32(const PadPlan& plan, const int32_t* in, int32_t pad_value, int32_t* out) {
  pad_dim(plan, 0, in, pad_value, out);
}
void pad_f32(const PadPlan& plan, const float* in, float pad_value, float* out) {
  pad_dim(plan, 0, in, pad_value, out);
}

}  // namespace mote
