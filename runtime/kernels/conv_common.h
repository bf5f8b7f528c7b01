// mote kernels — geometry and requantization shared by the convolution family (CONV_2D,
// DEPTHWISE_CONV_2D; reusable by TRANSPOSE_CONV and the pooling ops).
//
// Spatial rules (.tflite semantics), per axis, with effective_filter = (filter - 1) * dilation + 1:
//   output size   SAME:  ceil(in / stride)
//                 VALID: (in + stride - effective_filter) / stride   (C division, truncating)
//   padding       total  = max(0, (out - 1) * stride + effective_filter - in)
//                 before = total / 2 (top / left), the odd unit (total % 2) goes after
//   Output element o reads input positions o * stride - before + k * dilation, k in [0, filter);
//   positions outside [0, in) are padding and contribute nothing to the sum.
//
// Requantization of a quantized convolution: output channel c uses the real multiplier
//   input_scale * filter_scale[c] / output_scale
// computed in double precision (float operands widened first), then split by quantize_multiplier
// into a Q31 mantissa and a shift (positive = left); kernels apply it with quant.h's requantize()
// or ChannelRequant.
//
//   int32_t out_h, out_w;
//   if (!conv_output_size(true, in_h, filter_h, stride_h, dilation_h, &out_h)) { ...fail... }
//   int32_t pad_top = conv_padding_before(stride_h, dilation_h, in_h, filter_h, out_h);
//   conv_channel_multiplier(in_scale, filter_scales[c], out_scale, &mult[c], &shift[c]);
#pragma once

#include <stdint.h>

#include "runtime/kernels/quant.h"  // requantize(), ChannelRequant for the conv kernels

namespace mote {

// Everything a 2-D convolution-like kernel needs to walk its windows. NHWC activations.
struct ConvGeometry {
  int32_t batches = 1;
  int32_t input_height = 0, input_width = 0, input_depth = 0;
  int32_t filter_height = 0, filter_width = 0;
  int32_t output_height = 0, output_width = 0, output_depth = 0;
  int32_t stride_height = 1, stride_width = 1;
  int32_t dilation_height = 1, dilation_width = 1;
  int32_t pad_top = 0, pad_left = 0;  // padding before the first row / column
};

// The per-call state of the int8 convolution kernels (conv2d_s8, depthwise_conv2d_s8), copied out
// of their params once: stores to int8 outputs may alias anything, so values read through a params
// reference would be reloaded after each one. `offset` is the input offset (-input zero point,
// fits int16). Each kernel finishes an output as clamp(requant(acc + bias) + output_offset).
struct ConvS8State {
  const int32_t* multipliers;
  const int32_t* shifts;
  const int32_t* bias;  // nullptr when the op has none
  int16_t offset;
  int32_t output_offset, act_min, act_max;

  template <typename Params>  // Conv2DParams or DepthwiseConv2DParams
  ConvS8State(const Params& p, const int32_t* m, const int32_t* s, const int32_t* b)
      : multipliers(m),
        shifts(s),
        bias(b),
        offset(static_cast<int16_t>(p.input_offset)),
        output_offset(p.output_offset),
        act_min(p.act_min),
        act_max(p.act_max) {}

  int32_t bias_at(int32_t c) const { return bias != nullptr ? bias[c] : 0; }
};

// Output size of one axis (same = SAME padding, else VALID). Returns false if an argument is out of
// range (in < 0, filter, stride or dilation <= 0) or the result would be negative or overflow.
bool conv_output_size(bool same, int32_t in, int32_t filter, int32_t stride, int32_t dilation,
                      int32_t* out);

// Padding before the first element of one axis, given the output size. `extra_after` (optional)
// receives total % 2, the extra unit of padding at the end.
int32_t conv_padding_before(int32_t stride, int32_t dilation, int32_t in, int32_t filter,
                            int32_t out, int32_t* extra_after = nullptr);

// Multiplier and shift for one output channel: quantize_multiplier((double)input_scale *
// (double)filter_scale / (double)output_scale).
void conv_channel_multiplier(float input_scale, float filter_scale, float output_scale,
                             int32_t* multiplier, int32_t* shift);

// Window taps that land inside the input, for output position `out_pos` along one axis:
// taps k in [*first, *last) read input positions origin + k * dilation in [0, in), where
// origin = out_pos * stride - pad_before. Always first <= last.
void conv_tap_range(int32_t origin, int32_t dilation, int32_t filter, int32_t in, int32_t* first,
                    int32_t* last);

}  // namespace mote
