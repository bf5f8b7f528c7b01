#include "runtime/kernels/strided_slice.h"

#include <string.h>

namespace mote {

namespace {

inline int32_t clamp(int32_t v, int32_t lo, int32_t hi) { return v > hi ? hi : (v < lo ? lo : v); }

// First index along an axis of size n.
int32_t axis_begin(int32_t b, int32_t stride, int32_t n, bool masked) {
  if (masked) return stride > 0 ? 0 : n - 1;
  if (b < 0) b += n;
  return stride > 0 ? clamp(b, 0, n) : clamp(b, -1, n - 1);
}

// One past the last index along an axis of size n (before the step is applied).
int32_t axis_end(int32_t e, int32_t stride, int32_t n, bool masked) {
  if (masked) return stride > 0 ? n : -1;
  if (e < 0) e += n;
  return stride > 0 ? clamp(e, 0, n) : clamp(e, -1, n - 1);
}

int32_t iterations(int32_t first, int32_t stop, int32_t stride) {
  const int64_t span = stride > 0 ? int64_t{stop} - first : int64_t{first} - stop;
  const int64_t s = stride > 0 ? stride : -int64_t{stride};
  return span > 0 ? static_cast<int32_t>((span + s - 1) / s) : 0;
}

}  // namespace

StridedSliceError plan_strided_slice(const Shape& in, const int32_t* begin, const int32_t* end, const int32_t* strides,
                                     const StridedSliceMasks& masks, StridedSlicePlan* plan, Shape* out_shape,
                                     int32_t* bad_axis) {
  StridedSlicePlan p;
  Shape out;
  const int32_t pad = kStridedSliceMaxRank - in.rank;
  int32_t in_stride = 1;
  for (int32_t a = in.rank - 1; a >= 0; --a) {
    const int32_t n = in.dims[a], stride = strides[a];
    *bad_axis = a;
    if (stride == 0) return StridedSliceError::kZeroStride;
    const int32_t first = axis_begin(begin[a], stride, n, (masks.begin >> a) & 1u);
    int32_t count;
    if ((masks.shrink_axis >> a) & 1u) {
      if (stride < 0) return StridedSliceError::kShrinkNegative;
      if (first < 0 || first >= n) return StridedSliceError::kShrinkOutOfRange;
      count = 1;
    } else {
      count = iterations(first, axis_end(end[a], stride, n, (masks.end >> a) & 1u), stride);
    }
    p.count[pad + a] = count;
    // With two or more elements |stride| < n, so the step fits in int32; a single element never
    // steps (hostile strides such as -50331647 would overflow the product).
    p.step[pad + a] = count > 1 ? stride * in_stride : 0;
    p.start += first * in_stride;
    in_stride *= n;
  }
  for (int32_t a = 0; a < in.rank; ++a)
    if (!((masks.shrink_axis >> a) & 1u)) out.dims[out.rank++] = p.count[pad + a];
  *plan = p;
  *out_shape = out;
  return StridedSliceError::kOk;
}

namespace {

template <typename T>
void slice(const StridedSlicePlan& p, const T* in, T* out) {
  for (int a = 0; a < kStridedSliceMaxRank; ++a)
    if (p.count[a] <= 0) return;
  const int32_t n4 = p.count[4], s4 = p.step[4];
  int32_t o0 = p.start;
  for (int32_t i0 = 0; i0 < p.count[0]; ++i0, o0 += p.step[0]) {
    int32_t o1 = o0;
    for (int32_t i1 = 0; i1 < p.count[1]; ++i1, o1 += p.step[1]) {
      int32_t o2 = o1;
      for (int32_t i2 = 0; i2 < p.count[2]; ++i2, o2 += p.step[2]) {
        int32_t o3 = o2;
        for (int32_t i3 = 0; i3 < p.count[3]; ++i3, o3 += p.step[3]) {
          const T* src = in + o3;
          if (s4 == 1) {
            memcpy(out, src, static_cast<size_t>(n4) * sizeof(T));
          } else {
            for (int32_t i = 0; i < n4; ++i) out[i] = src[i * s4];
          }
          out += n4;
        }
      }
    }
  }
}

}  // namespace

void strided_slice_s8(const StridedSlicePlan& plan, const int8_t* in, int8_t* out) { slice(plan, in, out); }
void strided_slice_s16(const StridedSlicePlan& plan, const int16_t* in, int16_t* out) { slice(plan, in, out); }
void strided_slice_s32(const StridedSlicePlan& plan, const int32_t* in, int32_t* out) { slice(plan, in, out); }
void strided_slice_f32(const StridedSlicePlan& plan, const float* in, float* out) { slice(plan, in, out); }

}  // namespace mote
