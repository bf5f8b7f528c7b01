// LOGISTIC and TANH kernels (declared in activations.h).
#include <math.h>

#include "runtime/kernels/activations.h"
#include "runtime/kernels/fixedpoint.h"
#include "runtime/kernels/quant.h"

namespace mote {

namespace {

constexpr int kS8InputIntegerBits = 4;  // int8 inputs are rescaled to Q4.27

inline int32_t clamp32(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

// Shared int16 prepare: `max_pot_shift` is the largest shift the power-of-two fast path accepts
// (0 for logistic, 1 for tanh).
bool sigmoid_s16_params(float input_scale, int32_t max_pot_shift, SigmoidS16Params* p) {
  int32_t log2_scale = 0;
  const bool pot = checked_log2(input_scale, &log2_scale);
  const int32_t pot_shift = (15 - 3) + log2_scale;  // Q3.12 inputs need no shift
  if (pot && pot_shift >= 0 && pot_shift <= max_pot_shift) {
    // Scale 2^-12 (or 2^-11 for tanh): the ×3 of the table scaling is the whole multiplier.
    p->input_multiplier = 3 << pot_shift;
    p->input_shift = 0;
    return true;
  }
  // General scale: find multiplier / 2^shift ≈ scale · 3 · 2^12 with the multiplier in
  // (16383.5, 32767], truncated like the reference.
  double multiplier = static_cast<double>(input_scale) * 4096.0 * 3.0;
  int32_t shift = 0;
  while (multiplier <= 32767.0 / 2.0 && shift <= 30) {
    ++shift;
    multiplier *= 2.0;
  }
  if (!(multiplier <= 32767.0)) return false;
  p->input_multiplier = static_cast<int32_t>(multiplier);
  p->input_shift = shift;
  return true;
}

// logistic_s8 (kTanh false) and tanh_s8: inputs within the radius are rescaled to Q4.27 and
// mapped by the fixed-point function; the Q0.31 result becomes 1/256 steps offset by -128
// (logistic) or 1/128 steps (tanh).
template <bool kTanh>
void sigmoid_s8(const SigmoidS8Params& p, int32_t count, const int8_t* input, int8_t* output) {
  for (int32_t i = 0; i < count; ++i) {
    const int32_t x = input[i] - p.input_zero_point;
    int32_t q;
    if (x <= -p.input_range_radius) {
      q = INT8_MIN;
    } else if (x >= p.input_range_radius) {
      q = INT8_MAX;
    } else {
      const int32_t x_q4 = multiply_by_quantized_multiplier(x, p.input_multiplier, p.input_shift);
      if constexpr (kTanh) {
        const int32_t y_q0 = fx_tanh<kS8InputIntegerBits>(x_q4);
        q = clamp32(rounding_divide_by_pot(y_q0, 31 - 7), INT8_MIN, INT8_MAX);  // 1/128 steps
      } else {
        const int32_t y_q0 = fx_logistic<kS8InputIntegerBits>(x_q4);
        q = clamp32(rounding_divide_by_pot(y_q0, 31 - 8) - 128, INT8_MIN, INT8_MAX);  // 1/256 steps
      }
    }
    output[i] = static_cast<int8_t>(q);
  }
}

}  // namespace

bool sigmoid_s8_params(float input_scale, int32_t input_zero_point, SigmoidS8Params* p) {
  const double real = static_cast<double>(input_scale) * static_cast<double>(1 << (31 - kS8InputIntegerBits));
  int shift = 0;
  int32_t multiplier = 0;
  quantize_multiplier(real, &multiplier, &shift);
  if (multiplier <= 0 || shift < 0 || shift > 30) return false;
  p->input_zero_point = input_zero_point;
  p->input_multiplier = multiplier;
  p->input_shift = shift;
  // floor((2^4 - 1) · 2^27 / 2^shift): the largest |x - zp| whose rescaled value fits Q4.
  p->input_range_radius =
      static_cast<int32_t>((int64_t{(1 << kS8InputIntegerBits) - 1} << (31 - kS8InputIntegerBits)) >> shift);
  return true;
}

void logistic_s8(const SigmoidS8Params& p, int32_t count, const int8_t* input, int8_t* output) {
  sigmoid_s8<false>(p, count, input, output);
}

void tanh_s8(const SigmoidS8Params& p, int32_t count, const int8_t* input, int8_t* output) {
  sigmoid_s8<true>(p, count, input, output);
}

bool checked_log2(float scale, int32_t* log2_rounded) {
  const float log2_scale = logf(scale) * (1.0f / logf(2.0f));
  const float rounded = roundf(log2_scale);
  *log2_rounded = static_cast<int32_t>(rounded);
  return fabsf(log2_scale - rounded) < 1e-3f;
}

bool logistic_s16_params(float input_scale, SigmoidS16Params* p) { return sigmoid_s16_params(input_scale, 0, p); }

bool tanh_s16_params(float input_scale, SigmoidS16Params* p) { return sigmoid_s16_params(input_scale, 1, p); }

// int16 LOGISTIC: |x| in 1/(3·2^12) units is, shifted right by 9, an index in 1/24 steps into the
// sigmoid table; the low 9 bits interpolate. Results are computed for |x| in Q0.16·2^9 and
// mirrored (sigmoid(-x) = 1 - sigmoid(x)) for negative inputs.
void logistic_s16(const SigmoidS16Params& p, int32_t count, const int16_t* input, int16_t* output) {
  const int32_t round = p.input_shift > 0 ? int32_t{1} << (p.input_shift - 1) : 0;
  for (int32_t i = 0; i < count; ++i) {
    const int32_t x = (input[i] * p.input_multiplier + round) >> p.input_shift;
    const uint32_t ax = static_cast<uint32_t>(x < 0 ? -x : x);
    const uint32_t index = ax >> 9;
    uint32_t y;
    if (index >= 255) {
      y = uint32_t{0x7FFF} << 10;
    } else {
      const uint32_t a = kSigmoidQ16Table[index], b = kSigmoidQ16Table[index + 1];
      y = (a << 9) + (ax & 0x1FF) * (b - a);
    }
    y = x >= 0 ? y + (1u << 9) : (1u << 25) - y + (1u << 9) - 1;
    output[i] = static_cast<int16_t>(y >> 10);
  }
}

// int16 TANH: tanh(x) = 2·sigmoid(2x) - 1, so the same table is indexed with |x| >> 8 (twice the
// rate) and the result is re-centred around zero.
void tanh_s16(const SigmoidS16Params& p, int32_t count, const int16_t* input, int16_t* output) {
  const int32_t round = p.input_shift > 0 ? int32_t{1} << (p.input_shift - 1) : 0;
  for (int32_t i = 0; i < count; ++i) {
    const int32_t x = (input[i] * p.input_multiplier + round) >> p.input_shift;
    const uint32_t ax = static_cast<uint32_t>(x < 0 ? -x : x);
    const uint32_t index = ax >> 8;
    int32_t y;
    if (index >= 255) {
      y = 0xFFFF << 8;
    } else {
      const uint32_t a = kSigmoidQ16Table[index], b = kSigmoidQ16Table[index + 1];
      y = static_cast<int32_t>((a << 8) + (ax & 0xFF) * (b - a));
    }
    y = x >= 0 ? y - (1 << 23) + (1 << 7) : -y + (1 << 23) + (1 << 7) - 1;
    output[i] = static_cast<int16_t>(y >> 8);
  }
}

void logistic_f32(int32_t count, const float* input, float* output) {
  const float kUpper = 16.619047164916992188f;  // above: 1 in float
  const float kLower = -9.0f;                    // below: exp(x) is within float precision
  for (int32_t i = 0; i < count; ++i) {
    const float v = input[i];
    float y;
    if (v > kUpper) {
      y = 1.0f;
    } else if (v < kLower) {
      y = expf(v);
    } else {
      y = 1.0f / (1.0f + expf(-v));
    }
    output[i] = y;
  }
}

void tanh_f32(int32_t count, const float* input, float* output) {
  for (int32_t i = 0; i < count; ++i) output[i] = tanhf(input[i]);
}

}  // namespace mote
