// mote kernels — PAD: surround a tensor with a constant value.
//
// out has dims in[d] + before[d] + after[d]; element in[i0..in] lands at out[i0+before0, ...];
// every other output element is `pad_value`. The op passes the output zero point for int8 (so the
// padding means real 0), and 0 for int16, int32 and float32 — what the reference does.
//
// Prepare builds a PadPlan with plan_pad(): dimensions without padding are folded into their outer
// neighbour, so padding H of an NHWC tensor copies whole W*C rows, and padding nothing is a single
// copy. Each output element is written exactly once.
//
// Ownership: reads `in`, writes all of `out` (which must not overlap `in`). No scratch.
//
//   PadPlan plan;
//   int32_t before[4] = {0, 1, 2, 0}, after[4] = {0, 1, 0, 0};
//   plan_pad(in_shape, before, after, &plan);
//   pad_s8(plan, in, /*pad_value=*/output_zero_point, out);
#pragma once

#include <stdint.h>

#include "runtime/tensor.h"

namespace mote {

struct PadPlan {
  int32_t rank = 1;  // after folding, >= 1
  int32_t in_dims[kMaxRank] = {0, 0, 0, 0, 0, 0};
  int32_t before[kMaxRank] = {0, 0, 0, 0, 0, 0};
  int32_t after[kMaxRank] = {0, 0, 0, 0, 0, 0};
  int32_t out_stride[kMaxRank] = {0, 0, 0, 0, 0, 0};  // elements per step of each output dim
};

// `before`/`after` hold in.rank non-negative counts each.
void plan_pad(const Shape& in, const int32_t* before, const int32_t* after, PadPlan* plan);

void pad_s8(const PadPlan& plan, const int8_t* in, int8_t pad_value, int8_t* out);
void pad_s16(const PadPlan& plan, const int16_t* in, int16_t pad_value, int16_t* out);
void pad_s32(const PadPlan& plan, const int32_t* in, int32_t pad_value, int32_t* out);
void pad_f32(const PadPlan& plan, const float* in, float pad_value, float* out);

}  // namespace mote
