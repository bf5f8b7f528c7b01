// mote kernels — SOFTMAX over the last dimension: out[r][c] = exp(beta·(x[r][c] - max_r)) / sum_r.
//
// Layout: `rows` independent rows of `depth` contiguous elements (rows = product of all dims but
// the last, depth = the last dim). Input and output have the same shape; kernels read every input
// of a row before writing its outputs except softmax_s16, which uses its output row as scratch
// (so in-place is not allowed there).
//
// Types and quantization (the .tflite rules, results bit-exact with the reference kernels):
//   softmax_s8      int8 -> int8, output scale 1/256, zero point -128 (so 0..1 maps to -128..127).
//   softmax_s8_s16  int8 -> int16, output scale 1/65536, zero point -32768.
//     Both rescale x - max by beta·input_scale into Q5.26 (`SoftmaxS8Params`), evaluate exp in
//     fixed point (fixedpoint.h), accumulate in Q12.19 and multiply by the fixed-point reciprocal
//     of the sum. Differences below `diff_min` (about -32 after scaling) contribute nothing.
//   softmax_s16     int16 -> int16, input zero point 0, output scale 1/32768, zero point 0. x - max
//     is scaled so that [-65535, 0] covers [-10, 0], exp comes from a 513-entry interpolated table
//     and 1/sum from a second one (both filled once by softmax_s16_tables()).
//   softmax_f32     float with beta; exp() per element, as the reference.
//
// Usage:
//   SoftmaxS8Params p;
//   if (!softmax_s8_params(beta, input_scale, &p)) -> reject (beta·scale too small)
//   softmax_s8(p, rows, depth, in, out);
//
//   SoftmaxS16Params q;  int16_t exp_lut[kLutS16Size], recip_lut[kLutS16Size];
//   softmax_s16_params(beta, input_scale, &q);  softmax_s16_tables(exp_lut, recip_lut);
//   softmax_s16(q, exp_lut, recip_lut, rows, depth, in, out);
#pragma once

#include <stdint.h>

#include "runtime/kernels/fixedpoint.h"

namespace mote {

struct SoftmaxS8Params {
  int32_t input_multiplier;  // beta · input_scale · 2^26 as a Q31 mantissa ...
  int32_t input_left_shift;  // ... and its exponent (>= 0)
  int32_t diff_min;          // x - max below this gives exp == 0 (<= 0)
};

// False if beta · input_scale · 2^26 <= 1 (the reference requires a multiplier above one).
bool softmax_s8_params(float beta, float input_scale, SoftmaxS8Params* p);
void softmax_s8(const SoftmaxS8Params& p, int32_t rows, int32_t depth, const int8_t* input, int8_t* output);
void softmax_s8_s16(const SoftmaxS8Params& p, int32_t rows, int32_t depth, const int8_t* input,
                    int16_t* output);

struct SoftmaxS16Params {
  int32_t input_multiplier;  // beta · input_scale · 65535 / 10 as a Q31 multiplier
  int32_t input_shift;       // and its exponent (either sign)
};

void softmax_s16_params(float beta, float input_scale, SoftmaxS16Params* p);
// exp(x) on [-10, 0] and 1 / (1 + x) on [0, 1], each kLutS16Size entries; depend on nothing else.
void softmax_s16_tables(int16_t* exp_lut, int16_t* one_over_one_plus_x_lut);
void softmax_s16(const SoftmaxS16Params& p, const int16_t* exp_lut, const int16_t* one_over_one_plus_x_lut,
                 int32_t rows, int32_t depth, const int16_t* input, int16_t* output);

void softmax_f32(float beta, int32_t rows, int32_t depth, const float* input, float* output);

}  // namespace mote
