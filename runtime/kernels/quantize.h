// mote kernels — QUANTIZE (float -> int, int -> int requantization) and DEQUANTIZE (int -> float).
//
// Every kernel converts `count` contiguous elements; per-tensor quantization only (one scale and
// zero point per tensor). Results match the .tflite reference kernels:
//
//   quantize_f32_s8/_s16   q = clamp(round_half_away(x / scale) + zero_point, qmin, qmax), the
//                          division in float. |x / scale| beyond the int32 range and NaN saturate
//                          (NaN to qmin); the reference leaves those undefined.
//   requantize_<in>_<out>  q = clamp(out_zp + rescale(x - in_zp), qmin, qmax), rescale being
//                          in_scale / out_scale as a Q31 multiplier (RequantizeParams), rounded
//                          twice like the reference. (x - in_zp) · 2^shift must fit int32 (it
//                          always does for int8/int16 inputs unless the ratio exceeds 2^15);
//                          beyond that it wraps. Pairs: s8->s8/s16/s32/u8, s16->s8/s16/s32,
//                          s32->s8/s16, u8->s8 (u8 = uint8 with its own zero point).
//   dequantize_<in>_f32    y = scale · (x - zero_point), rounded once to float (exactly what the
//                          reference's double product gives, since x - zp has at most 17 bits).
//
// Usage:
//   RequantizeParams p;
//   requantize_params(in_scale, in_zp, out_scale, out_zp, &p);   // prepare
//   requantize_s16_s8(p, count, in, out);                           // eval
#pragma once

#include <stdint.h>

namespace mote {

void quantize_f32_s8(float scale, int32_t zero_point, int32_t count, const float* input, int8_t* output);
void quantize_f32_s16(float scale, int32_t zero_point, int32_t count, const float* input, int16_t* output);

struct RequantizeParams {
  int32_t multiplier;  // in_scale / out_scale (computed in double), Q31
  int32_t shift;
  int32_t input_zero_point;
  int32_t output_zero_point;
};

void requantize_params(float input_scale, int32_t input_zero_point, float output_scale, int32_t output_zero_point,
                       RequantizeParams* p);
void requantize_s8_s8(const RequantizeParams& p, int32_t count, const int8_t* input, int8_t* output);
void requantize_s8_s16(const RequantizeParams& p, int32_t count, const int8_t* input, int16_t* output);
void requantize_s8_s32(const RequantizeParams& p, int32_t count, const int8_t* input, int32_t* output);
void requantize_s8_u8(const RequantizeParams& p, int32_t count, const int8_t* input, uint8_t* output);
void requantize_u8_s8(const RequantizeParams& p, int32_t count, const uint8_t* input, int8_t* output);
void requantize_s16_s8(const RequantizeParams& p, int32_t count, const int16_t* input, int8_t* output);
void requantize_s16_s16(const RequantizeParams& p, int32_t count, const int16_t* input, int16_t* output);
void requantize_s16_s32(const RequantizeParams& p, int32_t count, const int16_t* input, int32_t* output);
void requantize_s32_s8(const RequantizeParams& p, int32_t count, const int32_t* input, int8_t* output);
void requantize_s32_s16(const RequantizeParams& p, int32_t count, const int32_t* input, int16_t* output);

void dequantize_s8_f32(float scale, int32_t zero_point, int32_t count, const int8_t* input, float* output);
void dequantize_s16_f32(float scale, int32_t zero_point, int32_t count, const int16_t* input, float* output);
void dequantize_u8_f32(float scale, int32_t zero_point, int32_t count, const uint8_t* input, float* output);

}  // namespace mote
