// mote kernels — MEAN (average over a set of axes).
//
// The op describes the input as up to 6 "groups" of adjacent dims (row-major), each either kept
// or reduced; size-1 dims are dropped and neighbours with the same role merged at prepare time, so
// NHWC reduced over {1, 2} becomes [N kept][H*W reduced][C kept]. Output element index =
// sum over kept groups of index * out_stride (reduced groups have out_stride 0). keep_dims only
// changes the output shape, never the data layout, so the kernel does not see it.
//
//   mean_f32   float sums, each output's inputs added in row-major input order, then divided by
//              (float)reduce_count — bit-identical to the reference. Accumulates in the output.
//   mean_s8 / mean_s16
//              int32 sums (scratch: mean_scratch_bytes), then per output
//                out = clamp(mbqm(sum - input_zp * reduce_count, multiplier, shift) + output_zp)
//              where multiplier/shift already fold input_scale / output_scale and the division by
//              reduce_count (see mean_fold_count). mbqm = multiply_by_quantized_multiplier (32-bit).
// Pointers are borrowed; scratch is caller-owned and needs no initialisation.
//
//   MeanParams p{};  p.num_groups = 3;  p.sizes = {N, H*W, C};  p.out_strides = {C, 0, 1};
//   p.out_count = N * C;  p.reduce_count = H * W;  ...
//   mean_s8(p, in, out, (int32_t*)scratch);
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace mote {

struct MeanParams {
  int32_t num_groups = 1;
  int32_t sizes[6] = {1, 1, 1, 1, 1, 1};
  int32_t out_strides[6] = {0, 0, 0, 0, 0, 0};  // 0 for reduced groups
  int32_t reduced[6] = {0, 0, 0, 0, 0, 0};      // 1 for reduced groups
  int32_t out_count = 1;                        // output elements
  int32_t reduce_count = 1;                     // input elements averaged into each output
  int32_t input_zero_point = 0;
  int32_t output_zero_point = 0;
  int32_t multiplier = 0;  // quantized: input_scale / output_scale / reduce_count, Q31
  int32_t shift = 0;
};

// Folds the division by `count` into a Q31 multiplier/shift pair the way the reference does:
// with k = min(floor(log2(count)), 32, 31 + shift), multiplier = (multiplier << k) / count and
// shift -= k.
void mean_fold_count(int32_t count, int32_t* multiplier, int32_t* shift);

size_t mean_scratch_bytes(const MeanParams& p);

void mean_s8(const MeanParams& p, const int8_t* input, int8_t* output, int32_t* scratch);
void mean_s16(const MeanParams& p, const int16_t* input, int16_t* output, int32_t* scratch);
void mean_f32(const MeanParams& p, const float* input, float* output);

}  // namespace mote
