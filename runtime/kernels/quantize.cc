#include "runtime/kernels/quantize.h"

#include <math.h>

#include "runtime/kernels/quant.h"

namespace mote {

namespace {

template <typename T>
void quantize_float(float scale, int32_t zero_point, int32_t count, const float* input, T* output, int32_t qmin,
                    int32_t qmax) {
  for (int32_t i = 0; i < count; ++i) {
    float steps = roundf(input[i] / scale);
    // Saturate before converting (NaN fails the first test and lands on the low end). ±2^24 is far
    // beyond any int16 range plus zero point, so the clamps below decide the result.
    steps = steps >= -16777216.0f ? steps : -16777216.0f;
    steps = steps <= 16777216.0f ? steps : 16777216.0f;
    int32_t q = static_cast<int32_t>(steps) + zero_point;
    q = q < qmin ? qmin : (q > qmax ? qmax : q);
    output[i] = static_cast<T>(q);
  }
}

template <typename In, typename Out>
void requantize(const RequantizeParams& p, int32_t count, const In* input, Out* output, int32_t qmin, int32_t qmax) {
  const uint32_t in_zp = static_cast<uint32_t>(p.input_zero_point);
  const uint32_t out_zp = static_cast<uint32_t>(p.output_zero_point);
  for (int32_t i = 0; i < count; ++i) {
    // int32 arithmetic wraps (only reachable with int32 tensors near the type's limits).
    const int32_t x = static_cast<int32_t>(static_cast<uint32_t>(input[i]) - in_zp);
    const uint32_t scaled = static_cast<uint32_t>(multiply_by_quantized_multiplier(x, p.multiplier, p.shift));
    int32_t q = static_cast<int32_t>(scaled + out_zp);
    q = q < qmin ? qmin : (q > qmax ? qmax : q);
    output[i] = static_cast<Out>(q);
  }
}

template <typename In>
void dequantize(float scale, int32_t zero_point, int32_t count, const In* input, float* output) {
  for (int32_t i = 0; i < count; ++i) {
    output[i] = scale * static_cast<float>(static_cast<int32_t>(input[i]) - zero_point);
  }
}

}  // namespace

void quantize_f32_s8(float scale, int32_t zero_point, int32_t count, const float* input, int8_t* output) {
  quantize_float(scale, zero_point, count, input, output, INT8_MIN, INT8_MAX);
}

void quantize_f32_s16(float scale, int32_t zero_point, int32_t count, const float* input, int16_t* output) {
  quantize_float(scale, zero_point, count, input, output, INT16_MIN, INT16_MAX);
}

void requantize_params(float input_scale, int32_t input_zero_point, float output_scale, int32_t output_zero_point,
                       RequantizeParams* p) {
  int shift = 0;
  quantize_multiplier(static_cast<double>(input_scale) / static_cast<double>(output_scale), &p->multiplier, &shift);
  p->shift = shift;
  p->input_zero_point = input_zero_point;
  p->output_zero_point = output_zero_point;
}

void requantize_s8_s8(const RequantizeParams& p, int32_t count, const int8_t* input, int8_t* output) {
  requantize(p, count, input, output, INT8_MIN, INT8_MAX);
}
void requantize_s8_s16(const RequantizeParams& p, int32_t count, const int8_t* input, int16_t* output) {
  requantize(p, count, input, output, INT16_MIN, INT16_MAX);
}
void requantize_s8_s32(const RequantizeParams& p, int32_t count, const int8_t* input, int32_t* output) {
  requantize(p, count, input, output, INT32_MIN, INT32_MAX);
}
void requantize_s8_u8(const RequantizeParams& p, int32_t count, const int8_t* input, uint8_t* output) {
  requantize(p, count, input, output, 0, UINT8_MAX);
}
void requantize_u8_s8(const RequantizeParams& p, int32_t count, const uint8_t* input, int8_t* output) {
  requantize(p, count, input, output, INT8_MIN, INT8_MAX);
}
void requantize_s16_s8(const RequantizeParams& p, int32_t count, const int16_t* input, int8_t* output) {
  requantize(p, count, input, output, INT8_MIN, INT8_MAX);
}
void requantize_s16_s16(const RequantizeParams& p, int32_t count, const int16_t* input, int16_t* output) {
  requantize(p, count, input, output, INT16_MIN, INT16_MAX);
}
void requantize_s16_s32(const RequantizeParams& p, int32_t count, const int16_t* input, int32_t* output) {
  requantize(p, count, input, output, INT32_MIN, INT32_MAX);
}
void requantize_s32_s8(const RequantizeParams& p, int32_t count, const int32_t* input, int8_t* output) {
  requantize(p, count, input, output, INT8_MIN, INT8_MAX);
}
void requantize_s32_s16(const RequantizeParams& p, int32_t count, const int32_t* input, int16_t* output) {
  requantize(p, count, input, output, INT16_MIN, INT16_MAX);
}

void dequantize_s8_f32(float scale, int32_t zero_point, int32_t count, const int8_t* input, float* output) {
  dequantize(scale, zero_point, count, input, output);
}
void dequantize_s16_f32(float scale, int32_t zero_point, int32_t count, const int16_t* input, float* output) {
  dequantize(scale, zero_point, count, input, output);
}
void dequantize_u8_f32(float scale, int32_t zero_point, int32_t count, const uint8_t* input, float* output) {
  dequantize(scale, zero_point, count, input, output);
}

}  // namespace mote
