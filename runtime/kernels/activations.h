// mote kernels — elementwise activations: RELU, RELU6, LEAKY_RELU (activations.cc) and LOGISTIC,
// TANH (activations_sigmoid.cc).
//
// Every kernel maps `count` contiguous elements of `input` to `output` (same count, any shape);
// output may alias input. Quantized kernels reproduce the .tflite reference kernels bit for bit:
//
//   relu_s8/_s16        out = clamp(out_zp + rescale(x - in_zp), max(qmin, out_zp), qmax), the
//                       rescale being in_scale/out_scale as a Q31 multiplier (ReluQuantParams).
//   relu6_s8/_s16       clamp(x, lo, hi) in the INPUT's quantization: lo = input zero point,
//                       hi = quantized 6.0. No requantization (the reference assumes the output
//                       shares the input's scale and zero point).
//   leaky_relu_s8/_s16  x >= in_zp: out_zp + rescale by in_scale/out_scale; below: rescale by
//                       alpha·in_scale/out_scale (alpha may be negative or above 1).
//   logistic_s8         input rescaled to Q4.27, fixed-point logistic (fixedpoint.h), output in
//                       1/256 steps with zero point -128. Inputs beyond ±radius saturate.
//   tanh_s8             same with tanh; output in 1/128 steps, zero point 0.
//   logistic_s16/tanh_s16  input rescaled so that 3·2^12 steps are one unit, then linear
//                       interpolation in kSigmoidQ16Table; output Q0.15 (scale 2^-15, zero
//                       point 0). Input zero point must be 0.
//   *_f32               the float formulas of the reference (logistic with its cutoffs).
//
// Usage (prepare computes the params once, eval only calls the kernel):
//   SigmoidS8Params p;
//   if (!sigmoid_s8_params(input_scale, input_zero_point, &p)) -> reject
//   logistic_s8(p, count, in, out);
#pragma once

#include <stdint.h>

namespace mote {

// ---- RELU / RELU6 ---------------------------------------------------------------------------

struct ReluQuantParams {
  int32_t input_zero_point;
  int32_t output_zero_point;
  int32_t multiplier;  // in_scale / out_scale, Q31
  int32_t shift;
  int32_t act_min;  // max(qmin, output zero point)
  int32_t act_max;  // qmax
};

// qmin/qmax: the output type's range (-128/127 or -32768/32767).
void relu_quant_params(float input_scale, int32_t input_zero_point, float output_scale, int32_t output_zero_point,
                       int32_t qmin, int32_t qmax, ReluQuantParams* p);
void relu_s8(const ReluQuantParams& p, int32_t count, const int8_t* input, int8_t* output);
void relu_s16(const ReluQuantParams& p, int32_t count, const int16_t* input, int16_t* output);
void relu_f32(int32_t count, const float* input, float* output);

// Quantized 6.0 for RELU6: zero_point + round(6 / scale), saturated to [qmin, qmax].
int32_t relu6_quantized_six(float input_scale, int32_t input_zero_point, int32_t qmin, int32_t qmax);
void relu6_s8(int32_t lo, int32_t hi, int32_t count, const int8_t* input, int8_t* output);
void relu6_s16(int32_t lo, int32_t hi, int32_t count, const int16_t* input, int16_t* output);
void relu6_f32(int32_t count, const float* input, float* output);

// ---- LEAKY_RELU ----------------------------------------------------------------------------

struct LeakyReluQuantParams {
  int32_t input_zero_point;
  int32_t output_zero_point;
  int32_t identity_multiplier;  // in_scale / out_scale
  int32_t identity_shift;
  int32_t alpha_multiplier;  // |alpha · in_scale / out_scale|
  int32_t alpha_shift;
  int32_t alpha_negative;  // 1 if alpha < 0: the alpha branch is negated
};

void leaky_relu_quant_params(float input_scale, int32_t input_zero_point, float output_scale,
                             int32_t output_zero_point, float alpha, LeakyReluQuantParams* p);
void leaky_relu_s8(const LeakyReluQuantParams& p, int32_t count, const int8_t* input, int8_t* output);
void leaky_relu_s16(const LeakyReluQuantParams& p, int32_t count, const int16_t* input, int16_t* output);
void leaky_relu_f32(float alpha, int32_t count, const float* input, float* output);

// ---- LOGISTIC / TANH -----------------------------------------------------------------------

struct SigmoidS8Params {
  int32_t input_zero_point;
  int32_t input_range_radius;  // |x - zp| at or beyond this saturates the output
  int32_t input_multiplier;    // in_scale · 2^27 (to Q4.27) as a Q31 multiplier ...
  int32_t input_shift;         // ... and its exponent
};

// Same parameters for logistic_s8 and tanh_s8. False if the input scale is outside the range the
// fixed-point path supports (the rescale shift must lie in [0, 30]: scale in [2^-28, 8)).
bool sigmoid_s8_params(float input_scale, int32_t input_zero_point, SigmoidS8Params* p);
void logistic_s8(const SigmoidS8Params& p, int32_t count, const int8_t* input, int8_t* output);
void tanh_s8(const SigmoidS8Params& p, int32_t count, const int8_t* input, int8_t* output);

struct SigmoidS16Params {
  int32_t input_multiplier;  // x · multiplier >> shift puts the input in 1/(3·2^12) units
  int32_t input_shift;
};

// log2(scale) rounded when scale is a power of two within 1e-3 in log2; false otherwise.
bool checked_log2(float scale, int32_t* log2_rounded);
// False if the multiplier needed for `input_scale` exceeds 32767 (scale above about 2.67).
bool logistic_s16_params(float input_scale, SigmoidS16Params* p);
bool tanh_s16_params(float input_scale, SigmoidS16Params* p);
void logistic_s16(const SigmoidS16Params& p, int32_t count, const int16_t* input, int16_t* output);
void tanh_s16(const SigmoidS16Params& p, int32_t count, const int16_t* input, int16_t* output);

void logistic_f32(int32_t count, const float* input, float* output);
void tanh_f32(int32_t count, const float* input, float* output);

}  // namespace mote
