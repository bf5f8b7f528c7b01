// mote kernels — STRIDED_SLICE: out = in[begin:end:stride] along every axis (up to 5 axes).
//
// Index rules are those of the reference kernel (TensorFlow Lite Micro), per axis of size n:
//   begin  negative -> + n; clamped to [0, n] for stride > 0, [-1, n-1] for stride < 0;
//          begin_mask bit set -> 0 (stride > 0) or n-1 (stride < 0).
//   end    likewise with the end_mask (-> n or -1); for a shrink_axis_mask axis end = begin + 1 and
//          the axis is dropped from the output shape.
//   count  ceil((end - begin) / stride), at least 0.
// Missing leading axes (rank < 5) take everything. ellipsis_mask, new_axis_mask and offset are not
// supported (the reference ignores them); prepare rejects them.
//
// plan_strided_slice() does all of this once at prepare time and yields a StridedSlicePlan: per
// axis an iteration count and a signed step in input elements, plus the first input element. The
// kernels then only walk the plan (a plain copy for each run of unit-stride innermost elements).
//
// Ownership: reads `in`, writes count[0]*...*count[4] elements of `out` (no overlap).
//
//   StridedSlicePlan plan; Shape out_shape;
//   int32_t begin[2] = {0, -1}, end[2] = {2, 0}, strides[2] = {1, -1};   // in: [2, 4]
//   StridedSliceMasks m;                                                   // all zero
//   plan_strided_slice(in_shape, begin, end, strides, m, &plan, &out_shape);  // out: [2, 3]
//   strided_slice_s16(plan, in, out);        // each row reversed, first column dropped
#pragma once

#include <stdint.h>

#include "runtime/tensor.h"

namespace mote {

constexpr int kStridedSliceMaxRank = 5;

struct StridedSliceMasks {
  uint32_t begin = 0;
  uint32_t end = 0;
  uint32_t shrink_axis = 0;
};

struct StridedSlicePlan {
  int32_t count[kStridedSliceMaxRank] = {1, 1, 1, 1, 1};
  int32_t step[kStridedSliceMaxRank] = {0, 0, 0, 0, 0};  // input elements per iteration
  int32_t start = 0;                                     // input element of the first output
};

enum class StridedSliceError : uint8_t {
  kOk = 0,
  kZeroStride,        // `axis` has stride 0
  kShrinkOutOfRange,  // a shrink axis whose begin is not inside [0, n)
  kShrinkNegative,    // a shrink axis with a negative stride (the reference writes nothing)
};

// Computes the plan and the output shape (shrunk axes removed). `in.rank` <= 5; begin, end and
// strides hold in.rank values. On error returns the reason and sets *bad_axis.
StridedSliceError plan_strided_slice(const Shape& in, const int32_t* begin, const int32_t* end, const int32_t* strides,
                                     const StridedSliceMasks& masks, StridedSlicePlan* plan, Shape* out_shape,
                                     int32_t* bad_axis);

void strided_slice_s8(const StridedSlicePlan& plan, const int8_t* in, int8_t* out);
void strided_slice_s16(const StridedSlicePlan& plan, const int16_t* in, int16_t* out);
void strided_slice_s32(const StridedSlicePlan& plan, const int32_t* in, int32_t* out);
void strided_slice_f32(const StridedSlicePlan& plan, const float* in, float* out);

}  // namespace mote
