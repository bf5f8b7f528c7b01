// mote kernels — 2-D transposed convolution ("deconvolution") over NHWC tensors.
//
// Every input pixel (b, iy, ix) scatters into the output window whose top-left corner is
// (iy * stride_h - pad_top, ix * stride_w - pad_left):
//   acc[b][iy*sh - pad_top + fy][ix*sw - pad_left + fx][oc] += sum_ic in[b][iy][ix][ic] * w[oc][fy][fx][ic]
// Positions that fall outside the output are dropped. Then, per output element,
//   out = act(acc + bias[oc])                                          (float)
//   out = clamp(mbqm(acc + bias[oc], M[oc], S[oc]) + output_offset)    (quantized)
// where mbqm is multiply_by_quantized_multiplier (quant.h) and M/S are per output channel (the op
// repeats a per-tensor value).
//
// Layouts: input [batches, input_h, input_w, input_depth]; filter OHWI
// [output_depth, filter_h, filter_w, input_depth]; bias [output_depth] or nullptr;
// output [batches, output_h, output_w, output_depth].
//
//   transpose_conv_s8    int8 in/out, int8 filter, int32 bias; acc = sum (in + input_offset) * w
//                        in int32. Needs transpose_conv_s8_scratch_bytes() of int32 scratch.
//   transpose_conv_s16   int16 in/out, int8 filter, int64 bias, int64 accumulator, 64-bit rescale;
//                        input and output zero points are 0 (input_offset/output_offset unused,
//                        as in the reference). Needs transpose_conv_s16_scratch_bytes().
//   transpose_conv_f32   float; accumulates straight into the output (no scratch), adding the
//                        products for each output element in the same order as the reference, so
//                        results are bit-identical.
// Bit-exact with the .tflite reference kernels. Pointers are borrowed; scratch is caller-owned,
// 8-byte aligned, and its contents on entry do not matter.
//
//   TransposeConvParams p{};  ...shapes, strides, padding (see conv_common.h), clamps...
//   int32_t* acc = (int32_t*)scratch;   // transpose_conv_s8_scratch_bytes(p) bytes
//   transpose_conv_s8(p, multipliers, shifts, in, filter, bias, out, acc);
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace mote {

struct TransposeConvParams {
  int32_t batches = 1;
  int32_t input_h = 0, input_w = 0, input_depth = 0;
  int32_t filter_h = 0, filter_w = 0;
  int32_t output_h = 0, output_w = 0, output_depth = 0;
  int32_t stride_h = 1, stride_w = 1;
  int32_t pad_top = 0, pad_left = 0;
  int32_t input_offset = 0;   // int8 only: -input zero point
  int32_t output_offset = 0;  // int8 only: +output zero point
  int32_t act_min = 0, act_max = 0;
  float act_min_f = 0.0f, act_max_f = 0.0f;
};

size_t transpose_conv_s8_scratch_bytes(const TransposeConvParams& p);
size_t transpose_conv_s16_scratch_bytes(const TransposeConvParams& p);

void transpose_conv_s8(const TransposeConvParams& p, const int32_t* multipliers,
                       const int32_t* shifts, const int8_t* input, const int8_t* filter,
                       const int32_t* bias, int8_t* output, int32_t* scratch);

void transpose_conv_s16(const TransposeConvParams& p, const int32_t* multipliers,
                        const int32_t* shifts, const int16_t* input, const int8_t* filter,
                        const int64_t* bias, int16_t* output, int64_t* scratch);

void transpose_conv_f32(const TransposeConvParams& p, const float* input, const float* filter,
                        const float* bias, float* output);

}  // namespace mote
