// mote kernels — depthwise 2-D convolution (DEPTHWISE_CONV_2D): depthwise_conv2d_s8,
// depthwise_conv2d_s16, depthwise_conv2d_f32.
//
// Each input channel ic is convolved with depth_multiplier filters of its own; output channel
// oc = ic * depth_multiplier + m.
//
// Layouts
//   input   [batches, input_height, input_width, input_depth]             NHWC
//   filter  [1, filter_height, filter_width, output_depth]                 1HW(C·M)
//   bias    [output_depth] or nullptr (int64 biases need only 4-byte alignment, as in .tflite)
//   output  [batches, output_height, output_width, output_depth]          NHWC
//   output_depth = input_depth * depth_multiplier.
//
// Arithmetic (bit-exact with the .tflite reference kernels)
//   s8   acc = bias[oc] + sum filter * (input + input_offset)      (int32)
//        out = clamp(multiply_by_quantized_multiplier(acc, m[oc], s[oc]) + output_offset)
//        input_offset = -input_zero_point (the input zero point must be in [-128, 127]).
//   s16  int16 activations (zero point 0), int8 filter, int64 bias, int64 accumulator, the 64-bit
//        multiply_by_quantized_multiplier, no output offset.
//   f32  out = clamp(sum input * filter + bias[oc]), taps summed in row-major order.
// Taps in the padding are skipped. multipliers / shifts are per output channel (shift > 0 = left).
// No scratch memory; kernels never fail and keep no state.
//
//   DepthwiseConv2DParams p;  p.geo = {...};  p.depth_multiplier = 1;  p.input_offset = -in_zp; ...
//   depthwise_conv2d_s8(p, mult, shift, input, filter, bias, output);
#pragma once

#include <stdint.h>

#include "runtime/kernels/conv_common.h"

namespace mote {

struct DepthwiseConv2DParams {
  ConvGeometry geo;
  int32_t depth_multiplier = 1;
  int32_t input_offset = 0;                  // s8: -input_zero_point
  int32_t output_offset = 0;                 // s8: output_zero_point
  int32_t act_min = 0, act_max = 0;          // quantized clamp (s8, s16)
  float act_min_f = 0.0f, act_max_f = 0.0f;  // f32 clamp
};

void depthwise_conv2d_s8(const DepthwiseConv2DParams& p, const int32_t* multipliers,
                         const int32_t* shifts, const int8_t* input, const int8_t* filter,
                         const int32_t* bias, int8_t* output);

void depthwise_conv2d_s16(const DepthwiseConv2DParams& p, const int32_t* multipliers,
                          const int32_t* shifts, const int16_t* input, const int8_t* filter,
                          const int64_t* bias, int16_t* output);

void depthwise_conv2d_f32(const DepthwiseConv2DParams& p, const float* input, const float* filter,
                          const float* bias, float* output);

}  // namespace mote
