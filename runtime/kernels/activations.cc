#include "runtime/kernels/activations.h"

#include <math.h>

#include "runtime/kernels/quant.h"

namespace mote {

namespace {

inline int32_t clamp32(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

template <typename T>
void relu_quantized(const ReluQuantParams& p, int32_t count, const T* input, T* output) {
  for (int32_t i = 0; i < count; ++i) {
    const int32_t v =
        p.output_zero_point + multiply_by_quantized_multiplier(input[i] - p.input_zero_point, p.multiplier, p.shift);
    output[i] = static_cast<T>(clamp32(v, p.act_min, p.act_max));
  }
}

template <typename T>
void clamp_range(int32_t lo, int32_t hi, int32_t count, const T* input, T* output) {
  const T low = static_cast<T>(lo), high = static_cast<T>(hi);
  for (int32_t i = 0; i < count; ++i) {
    const T v = input[i];
    output[i] = v > high ? high : (v < low ? low : v);
  }
}

template <typename T>
void leaky_relu_quantized(const LeakyReluQuantParams& p, int32_t count, const T* input, T* output, int32_t qmin,
                          int32_t qmax) {
  for (int32_t i = 0; i < count; ++i) {
    const int32_t x = input[i] - p.input_zero_point;
    int32_t v = p.output_zero_point;
    if (x >= 0) {
      v += multiply_by_quantized_multiplier(x, p.identity_multiplier, p.identity_shift);
    } else {
      const int32_t scaled = multiply_by_quantized_multiplier(x, p.alpha_multiplier, p.alpha_shift);
      v += p.alpha_negative ? -scaled : scaled;
    }
    output[i] = static_cast<T>(clamp32(v, qmin, qmax));
  }
}

}  // namespace

void relu_quant_params(float input_scale, int32_t input_zero_point, float output_scale, int32_t output_zero_point,
                       int32_t qmin, int32_t qmax, ReluQuantParams* p) {
  // The ratio is taken in float, then widened: the reference's order.
  int shift = 0;
  quantize_multiplier(static_cast<double>(input_scale / output_scale), &p->multiplier, &shift);
  p->shift = shift;
  p->input_zero_point = input_zero_point;
  p->output_zero_point = output_zero_point;
  p->act_min = output_zero_point > qmin ? output_zero_point : qmin;
  p->act_max = qmax;
}

void relu_s8(const ReluQuantParams& p, int32_t count, const int8_t* input, int8_t* output) {
  relu_quantized(p, count, input, output);
}

void relu_s16(const ReluQuantParams& p, int32_t count, const int16_t* input, int16_t* output) {
  relu_quantized(p, count, input, output);
}

void relu_f32(int32_t count, const float* input, float* output) {
  for (int32_t i = 0; i < count; ++i) {
    const float v = input[i];
    output[i] = v < 0.0f ? 0.0f : v;
  }
}

int32_t relu6_quantized_six(float input_scale, int32_t input_zero_point, int32_t qmin, int32_t qmax) {
  float steps = roundf(6.0f / input_scale);
  steps = steps < 1e9f ? steps : 1e9f;  // any huge value saturates below; keeps the cast defined
  return clamp32(static_cast<int32_t>(steps) + input_zero_point, qmin, qmax);
}

void relu6_s8(int32_t lo, int32_t hi, int32_t count, const int8_t* input, int8_t* output) {
  clamp_range(lo, hi, count, input, output);
}

void relu6_s16(int32_t lo, int32_t hi, int32_t count, const int16_t* input, int16_t* output) {
  clamp_range(lo, hi, count, input, output);
}

void relu6_f32(int32_t count, const float* input, float* output) {
  for (int32_t i = 0; i < count; ++i) {
    const float v = input[i];
    output[i] = v > 6.0f ? 6.0f : (v < 0.0f ? 0.0f : v);
  }
}

void leaky_relu_quant_params(float input_scale, int32_t input_zero_point, float output_scale,
                             int32_t output_zero_point, float alpha, LeakyReluQuantParams* p) {
  int shift = 0;
  int32_t alpha_multiplier = 0;
  // Both ratios in float, then widened (reference order: (in_scale · alpha) / out_scale).
  quantize_multiplier(static_cast<double>(input_scale * alpha / output_scale), &alpha_multiplier, &shift);
  p->alpha_negative = alpha_multiplier < 0 ? 1 : 0;
  p->alpha_multiplier = alpha_multiplier < 0 ? -alpha_multiplier : alpha_multiplier;
  p->alpha_shift = shift;
  quantize_multiplier(static_cast<double>(input_scale / output_scale), &p->identity_multiplier, &shift);
  p->identity_shift = shift;
  p->input_zero_point = input_zero_point;
  p->output_zero_point = output_zero_point;
}

void leaky_relu_s8(const LeakyReluQuantParams& p, int32_t count, const int8_t* input, int8_t* output) {
  leaky_relu_quantized(p, count, input, output, INT8_MIN, INT8_MAX);
}

void leaky_relu_s16(const LeakyReluQuantParams& p, int32_t count, const int16_t* input, int16_t* output) {
  leaky_relu_quantized(p, count, input, output, INT16_MIN, INT16_MAX);
}

void leaky_relu_f32(float alpha, int32_t count, const float* input, float* output) {
  for (int32_t i = 0; i < count; ++i) {
    const float v = input[i];
    output[i] = v > 0.0f ? v : v * alpha;
  }
}

}  // namespace mote
