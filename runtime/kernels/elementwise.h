// mote kernels — binary elementwise arithmetic with broadcasting: ADD, SUB, MUL.
//
// Shapes follow NumPy broadcasting: shapes are aligned at their last dimension, missing leading
// dimensions count as 1, and each dimension pair must be equal or contain a 1. Prepare turns the
// three shapes into a BroadcastLoop once: dimensions of size 1 in the output are dropped and
// neighbouring dimensions that broadcast the same way are fused, so the common cases become a
// single flat loop (same shapes), a scalar loop (one side has one element) or a short loop nest
// (e.g. [1,2,12,64] - [64] is 24 rows of 64 with the second input restarting every row).
//
// Quantized arithmetic (int8, int16) reproduces the .tflite reference kernels bit for bit:
//   ADD/SUB   each input is offset by its zero point, shifted left by `left_shift` (20 for int8,
//             15 for int16) and rescaled by its own Q31 multiplier to the common scale
//             2*max(s1, s2); the sum/difference is rescaled to the output scale, offset and clamped.
//   MUL       (q1 - zp1) * (q2 - zp2) is rescaled by s1*s2/so, offset and clamped.
// int16 ADD/SUB always take this general path: TensorFlow Lite Micro ignores AddOptions /
// SubOptions.pot_scale_int16, and so does mote. Every rescaling yields exactly the value of
// quant.h's multiply_by_quantized_multiplier, computed in fewer steps (see requantize() in
// quant.h): about 57 x86-64 instructions per int8 ADD element, 26 per MUL element.
// float32 results are clamped to the fused activation range; int32 results wrap on overflow.
//
// Ownership: kernels read the inputs and write `count` outputs; nothing is kept. The output may be
// the same buffer as an input of the same shape (in-place).
//
// Usage (prepare, then every invoke):
//   BroadcastLoop loop;
//   Shape out_shape;
//   if (!broadcast_shapes(a_shape, b_shape, &out_shape)) -> error
//   plan_broadcast(a_shape, b_shape, out_shape, &loop);
//   AddSubQuantParams p;
//   if (!add_quant_params(s1, zp1, s2, zp2, so, zpo, /*is_int16=*/false, &p)) -> error
//   p.act_min = -128; p.act_max = 127;   // or activation_range_quantized(...)
//   add_s8(p, loop, a, b, out);
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "runtime/tensor.h"

namespace mote {

// A loop nest over the output, outermost loop first. Loop d runs extent[d] times; every step
// advances input 1 by stride1[d] elements and input 2 by stride2[d] (0 = that input is broadcast
// along the loop). The innermost loop is contiguous in the output. No pointers: lives in op data.
struct BroadcastLoop {
  int32_t rank = 1;
  int32_t extent[kMaxRank] = {1, 1, 1, 1, 1, 1};
  int32_t stride1[kMaxRank] = {1, 1, 1, 1, 1, 1};
  int32_t stride2[kMaxRank] = {1, 1, 1, 1, 1, 1};
};

// Broadcast shape of `a` and `b` (rank = the larger rank). False if some dimension pair differs
// and neither is 1.
bool broadcast_shapes(const Shape& a, const Shape& b, Shape* out);
// Builds the loop nest for out = op(a, b). `out` must be broadcast_shapes(a, b) (any leading 1s
// allowed).
void plan_broadcast(const Shape& a, const Shape& b, const Shape& out, BroadcastLoop* loop);
// True if the shapes are equal once leading 1s are removed ([1,4] matches [4]).
bool same_shape_ignoring_leading_ones(const Shape& a, const Shape& b);

// ---- quantized ADD / SUB -------------------------------------------------------------------
struct AddSubQuantParams {
  int32_t input1_offset = 0;  // -zero_point of input 1
  int32_t input2_offset = 0;  // -zero_point of input 2
  int32_t left_shift = 20;    // 20 (int8) or 15 (int16)
  int32_t input1_multiplier = 0;
  int32_t input1_shift = 0;  // <= 0
  int32_t input2_multiplier = 0;
  int32_t input2_shift = 0;  // <= 0
  int32_t output_multiplier = 0;
  int32_t output_shift = 0;   // <= 0
  int32_t output_offset = 0;  // zero_point of the output
  int32_t act_min = 0;        // clamp, in output quantized units
  int32_t act_max = 0;
};

// Multipliers exactly as the reference ADD computes them (double precision throughout), and as
// the reference SUB does (scale ratios in float, then widened). Both leave act_min/act_max alone
// and return false if a real multiplier is not in (0, 1) — non-positive or absurd scales.
bool add_quant_params(float s1, int32_t zp1, float s2, int32_t zp2, float so, int32_t zpo, bool is_int16,
                      AddSubQuantParams* p);
bool sub_quant_params(float s1, int32_t zp1, float s2, int32_t zp2, float so, int32_t zpo, bool is_int16,
                      AddSubQuantParams* p);

void add_s8(const AddSubQuantParams& p, const BroadcastLoop& loop, const int8_t* in1, const int8_t* in2, int8_t* out);
void add_s16(const AddSubQuantParams& p, const BroadcastLoop& loop, const int16_t* in1, const int16_t* in2,
             int16_t* out);
void sub_s8(const AddSubQuantParams& p, const BroadcastLoop& loop, const int8_t* in1, const int8_t* in2, int8_t* out);
void sub_s16(const AddSubQuantParams& p, const BroadcastLoop& loop, const int16_t* in1, const int16_t* in2,
             int16_t* out);

// ---- quantized MUL -------------------------------------------------------------------------
struct MulQuantParams {
  int32_t input1_offset = 0;      // -zero_point of input 1
  int32_t input2_offset = 0;      // -zero_point of input 2
  int32_t output_multiplier = 0;  // s1*s2/so as Q31 mantissa + shift (shift may be positive)
  int32_t output_shift = 0;
  int32_t output_offset = 0;
  int32_t act_min = 0;
  int32_t act_max = 0;
};

void mul_s8(const MulQuantParams& p, const BroadcastLoop& loop, const int8_t* in1, const int8_t* in2, int8_t* out);
void mul_s16(const MulQuantParams& p, const BroadcastLoop& loop, const int16_t* in1, const int16_t* in2, int16_t* out);

// ---- float32 / int32 -----------------------------------------------------------------------
struct FloatRange {
  float min = 0.0f;
  float max = 0.0f;
};
struct Int32Range {
  int32_t min = INT32_MIN;
  int32_t max = INT32_MAX;
};

void add_f32(const FloatRange& act, const BroadcastLoop& loop, const float* in1, const float* in2, float* out);
void sub_f32(const FloatRange& act, const BroadcastLoop& loop, const float* in1, const float* in2, float* out);
void mul_f32(const FloatRange& act, const BroadcastLoop& loop, const float* in1, const float* in2, float* out);
void add_s32(const Int32Range& act, const BroadcastLoop& loop, const int32_t* in1, const int32_t* in2, int32_t* out);
void sub_s32(const Int32Range& act, const BroadcastLoop& loop, const int32_t* in1, const int32_t* in2, int32_t* out);
void mul_s32(const Int32Range& act, const BroadcastLoop& loop, const int32_t* in1, const int32_t* in2, int32_t* out);

// int32 clamp range of a fused activation (0 none, 1 relu, 2 relu_n1_to_1, 3 relu6), as the
// reference computes it for unquantized integer outputs.
Int32Range activation_range_int32(uint8_t activation);

}  // namespace mote
