// mote kernels — fully connected (dense) layers.
//
// Computes, for every batch row b and output unit o,
//   out[b][o] = act( sum_d in[b][d] * w[o][d] + bias[o] )
// Layouts:
//   in    [batches, input_depth]   row-major. An input of any rank is read this way: the op
//                                  flattens it to input_depth columns (its last weights dim).
//   w     [output_depth, input_depth]  one row of weights per output unit.
//   bias  [output_depth] or nullptr.
//   out   [batches, output_depth].
// All pointers are borrowed; nothing is allocated or retained. Kernels never fail: the op's
// prepare has validated shapes and computed every parameter below.
//
// Quantized variants (bit-exact with the .tflite reference kernels):
//   acc      = sum_d (in[b][d] + input_offset) * w[o][d]  (+ bias[o])      weights zero point 0
//   out      = clamp(multiply_by_quantized_multiplier(acc, M[o], S[o]) + output_offset,
//                    act_min, act_max)
//   M/S are per output unit when `per_channel` is set, else element 0 is used for every unit.
//   input_offset = -input zero point, output_offset = +output zero point.
//
//   fully_connected_s8          int8 in/out, int8 weights, int32 bias, int32 accumulator.
//   fully_connected_s16         int16 in/out, int8 weights, int64 bias, int64 accumulator and the
//                               64-bit rescale (multiplier reduced to Q15).
//   fully_connected_acc32_s16   int16 in/out, int8 weights, int32 bias, int32 accumulator and the
//                               32-bit rescale: what the reference does when the bias (or the
//                               quantized_bias_type option) is int32.
//   fully_connected_f32         float, summed in input order, then + bias, then clamped.
//
// The int8 kernel can fold the input offset out of the inner loop:
//   sum_d (x + io) * w = sum_d x * w + io * sum_d w
// by passing `row_sums` (sum_d w[o][d] per unit, see fully_connected_row_sums_s8) — the inner
// loop is then a plain int8 dot product. Pass nullptr to add the offset in the loop instead.
//
// Example:
//   FullyConnectedParams p{};  p.batches = 1; p.input_depth = 640; p.output_depth = 128;
//   p.input_offset = -89; p.output_offset = 96; p.act_min = -128; p.act_max = 127;
//   int32_t m[1], s[1];  quantize_multiplier(real_scale, &m[0], &s[0]);
//   fully_connected_s8(p, m, s, nullptr, input, weights, bias, output);
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace mote {

struct FullyConnectedParams {
  int32_t batches = 1;
  int32_t input_depth = 0;   // accumulation depth (weights' last dim)
  int32_t output_depth = 0;  // units (weights' first dim)
  int32_t input_offset = 0;  // quantized only: -input zero point
  int32_t output_offset = 0; // quantized only: +output zero point
  int32_t act_min = 0;       // quantized clamp range (already intersected with the type range)
  int32_t act_max = 0;
  int32_t per_channel = 0;   // quantized only: 1 = multiplier/shift per output unit
  float act_min_f = 0.0f;    // float clamp range
  float act_max_f = 0.0f;
};

void fully_connected_s8(const FullyConnectedParams& p, const int32_t* multipliers,
                        const int32_t* shifts, const int32_t* row_sums, const int8_t* input,
                        const int8_t* weights, const int32_t* bias, int8_t* output);

void fully_connected_s16(const FullyConnectedParams& p, const int32_t* multipliers,
                         const int32_t* shifts, const int16_t* input, const int8_t* weights,
                         const int64_t* bias, int16_t* output);

void fully_connected_acc32_s16(const FullyConnectedParams& p, const int32_t* multipliers,
                               const int32_t* shifts, const int16_t* input,
                               const int8_t* weights, const int32_t* bias, int16_t* output);

void fully_connected_f32(const FullyConnectedParams& p, const float* input, const float* weights,
                         const float* bias, float* output);

// Fills row_sums[o] = sum_d weights[o][d] for the input-offset fold of fully_connected_s8.
void fully_connected_row_sums_s8(int32_t output_depth, int32_t input_depth, const int8_t* weights,
                                 int32_t* row_sums);

}  // namespace mote
