// mote kernels — 2-D average and max pooling over NHWC tensors.
//
// For output (b, oy, ox, c) the window covers input rows oy * stride_h - pad_top + [0, filter_h)
// and columns ox * stride_w - pad_left + [0, filter_w). Taps outside the input are skipped (they
// are neither averaged nor compared), so a border window averages fewer values.
//
//   average_pool_s8 / _s16   sum the valid taps in int32, then divide by their count rounding
//                            half away from zero: (sum ± count/2) / count, C truncating division;
//                            then clamp to [act_min, act_max]. Input and output share scale and
//                            zero point, so no rescaling happens.
//   average_pool_f32         float sum of the valid taps in row-major window order, divided by
//                            the (float) count, clamped to [act_min_f, act_max_f].
//   max_pool_s8 / _s16 / _f32  the largest valid tap (type minimum if none), clamped.
// Results are bit-exact with the .tflite reference kernels, float ones included (same order of
// additions).
//
// Layouts: input [batches, input_h, input_w, depth], output [batches, output_h, output_w, depth].
// Pointers are borrowed; the kernels allocate nothing (a fixed block of channels is accumulated on
// the stack so that the inner loops run over contiguous channels).
//
//   PoolParams p{};  p.batches = 1; p.input_h = p.input_w = 8; p.depth = 64;
//   p.filter_h = p.filter_w = p.stride_h = p.stride_w = 8; p.output_h = p.output_w = 1;
//   p.act_min = -128; p.act_max = 127;
//   average_pool_s8(p, in, out);
#pragma once

#include <stdint.h>

namespace mote {

struct PoolParams {
  int32_t batches = 1;
  int32_t input_h = 0, input_w = 0, depth = 0;
  int32_t output_h = 0, output_w = 0;
  int32_t filter_h = 1, filter_w = 1;
  int32_t stride_h = 1, stride_w = 1;
  int32_t pad_top = 0, pad_left = 0;  // padding before the first row / column
  int32_t act_min = 0, act_max = 0;   // quantized clamp (within the type's range)
  float act_min_f = 0.0f, act_max_f = 0.0f;
};

void average_pool_s8(const PoolParams& p, const int8_t* input, int8_t* output);
void average_pool_s16(const PoolParams& p, const int16_t* input, int16_t* output);
void average_pool_f32(const PoolParams& p, const float* input, float* output);

void max_pool_s8(const PoolParams& p, const int8_t* input, int8_t* output);
void max_pool_s16(const PoolParams& p, const int16_t* input, int16_t* output);
void max_pool_f32(const PoolParams& p, const float* input, float* output);

}  // namespace mote
