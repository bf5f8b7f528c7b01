// mote kernels — 2-D convolution (CONV_2D): conv2d_s8, conv2d_s16, conv2d_s16_acc32, conv2d_f32.
//
// Layouts
//   input   [batches, input_height, input_width, input_depth]        NHWC
//   filter  [output_depth, filter_height, filter_width, filter_depth] OHWI
//   bias    [output_depth] or nullptr (int64 biases need only 4-byte alignment, as in .tflite)
//   output  [batches, output_height, output_width, output_depth]     NHWC
// Grouped convolution: input_depth = groups * filter_depth; output channel c belongs to group
// c / (output_depth / groups) and reads input channels [group * filter_depth, +filter_depth).
// groups == 1 is the ordinary convolution.
//
// Arithmetic (bit-exact with the .tflite reference kernels)
//   conv2d_s8         acc = bias[c] + sum filter * (input + input_offset)   (int32, wrapping)
//                     out = clamp(multiply_by_quantized_multiplier(acc, m[c], s[c])
//                                 + output_offset)
//                     input_offset = -input_zero_point; the filter is symmetric (zero point 0).
//   conv2d_s16        int16 activations (zero point 0), int8 filter, int64 bias:
//                     acc = bias[c] + sum filter * input                            (int64)
//                     out = clamp(multiply_by_quantized_multiplier(acc, m[c], s[c]))  (64-bit form)
//   conv2d_s16_acc32  same with an int32 bias and a 32-bit (wrapping) accumulator and the 32-bit
//                     multiply — what the reference does when the model's bias is int32.
//   conv2d_f32        out = clamp(sum input * filter + bias[c]), summed in the reference order
//                     (filter row, column, channel), padded taps skipped: bit-identical.
// Taps in the padding contribute nothing. multipliers / shifts are per output channel
// (shift > 0 = left), see conv_channel_multiplier() in conv_common.h.
//
// Memory: conv2d_s16, conv2d_s16_acc32 and conv2d_f32 need no scratch. conv2d_s8 needs
// conv2d_s8_scratch_bytes(p) bytes (aligned to 4) — zero unless the filter rows are short (fewer
// than 16 contiguous values, e.g. a first layer over 1-3 channels), then two gathered windows of
// int16. The caller owns every buffer; kernels never fail and keep no state.
//
//   Conv2DParams p;  p.geo = {...};  p.filter_depth = in_c;  p.input_offset = -in_zp; ...
//   conv2d_s8(p, mult, shift, input, filter, bias, output, scratch /* conv2d_s8_scratch_bytes(p) */);
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "runtime/kernels/conv_common.h"

namespace mote {

struct Conv2DParams {
  ConvGeometry geo;
  int32_t filter_depth = 0;                  // input channels per filter (input_depth / groups)
  int32_t input_offset = 0;                  // s8: -input_zero_point, in [-127, 128]
  int32_t output_offset = 0;                 // s8: output_zero_point
  int32_t act_min = 0, act_max = 0;          // quantized clamp (s8, s16)
  float act_min_f = 0.0f, act_max_f = 0.0f;  // f32 clamp
};

size_t conv2d_s8_scratch_bytes(const Conv2DParams& p);

void conv2d_s8(const Conv2DParams& p, const int32_t* multipliers, const int32_t* shifts,
               const int8_t* input, const int8_t* filter, const int32_t* bias, int8_t* output,
               void* scratch);

void conv2d_s16(const Conv2DParams& p, const int32_t* multipliers, const int32_t* shifts,
                const int16_t* input, const int8_t* filter, const int64_t* bias, int16_t* output);

void conv2d_s16_acc32(const Conv2DParams& p, const int32_t* multipliers, const int32_t* shifts,
                      const int16_t* input, const int8_t* filter, const int32_t* bias,
                      int16_t* output);

void conv2d_f32(const Conv2DParams& p, const float* input, const float* filter, const float* bias,
                float* output);

}  // namespace mote
