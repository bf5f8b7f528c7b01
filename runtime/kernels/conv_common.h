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
// into a Q31 mantissa and a shift (positive = left).
//
//   int32_t out_h, out_w;
//   if (!conv_output_size(true, in_h, filter_h, stride_h, dilation_h, &out_h)) { ...fail... }
//   int32_t pad_top = conv_padding_before(stride_h, dilation_h, in_h, filter_h, out_h);
//   conv_channel_multiplier(in_scale, filter_scales[c], out_scale, &mult[c], &shift[c]);
#pragma once

#include <stdint.h>

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

// The same value as quant.h's multiply_by_quantized_multiplier(int32_t x, multiplier, shift) for
// every x when 0 <= multiplier < 2^31 and -31 <= shift <= 30 (what quantize_multiplier produces),
// in fewer operations, for the per-output requantization of the quantized kernels:
//   the doubling high multiply rounding half up is floor((a * m + 2^30) / 2^31) — an arithmetic
//   shift — and the rounding right shift (half away from zero) is floor((y + 2^(r-1) - [y < 0]) /
//   2^r).
inline int32_t requantize(int32_t x, int32_t multiplier, int32_t shift) {
  const int32_t left = shift > 0 ? shift : 0;
  const int32_t right = shift > 0 ? 0 : -shift;
  const int64_t a = static_cast<int32_t>(static_cast<uint32_t>(x) << left);
  const int64_t y = (a * multiplier + (int64_t{1} << 30)) >> 31;
  const int64_t half = (int64_t{1} << right) >> 1;  // 0 when right == 0
  const int64_t neg = (right > 0 && y < 0) ? 1 : 0;
  return static_cast<int32_t>((y + half - neg) >> right);
}
// requantize() split into a per-channel part, computed once, and the per-output apply(): for
// kernels that produce many outputs of one channel in a row.
struct ChannelRequant {
  int32_t multiplier;
  int32_t half;      // 2^(right - 1), or 0 when right == 0
  int8_t left;       // left shift applied to the input
  int8_t right;      // rounding right shift
  int8_t neg_mask;   // -1 when right > 0: negative values then round away from zero

  static ChannelRequant of(int32_t multiplier, int32_t shift) {
    ChannelRequant r;
    r.multiplier = multiplier;
    r.left = static_cast<int8_t>(shift > 0 ? shift : 0);
    r.right = static_cast<int8_t>(shift > 0 ? 0 : -shift);
    r.half = r.right > 0 ? static_cast<int32_t>(1u << (r.right - 1)) : 0;
    r.neg_mask = static_cast<int8_t>(r.right > 0 ? -1 : 0);
    return r;
  }
  int32_t apply(int32_t x) const {
    const int64_t a = static_cast<int32_t>(static_cast<uint32_t>(x) << left);
    const int64_t y = (a * multiplier + (int64_t{1} << 30)) >> 31;
    return static_cast<int32_t>((y + half + ((y >> 63) & neg_mask)) >> right);
  }
};

// 64-bit accumulators take quant.h's 64-bit multiply_by_quantized_multiplier (other rounding).
int32_t requantize(int64_t x, int32_t multiplier, int32_t shift) = delete;

// Window taps that land inside the input, for output position `out_pos` along one axis:
// taps k in [*first, *last) read input positions origin + k * dilation in [0, in), where
// origin = out_pos * stride - pad_before. Always first <= last.
void conv_tap_range(int32_t origin, int32_t dilation, int32_t filter, int32_t in, int32_t* first,
                    int32_t* last);

}  // namespace mote
