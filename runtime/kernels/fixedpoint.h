// mote kernels — Q-format fixed-point math: exp, 1/(1+x), tanh and logistic on int32, plus the
// 16-bit interpolating lookup tables used by int16 SOFTMAX, LOGISTIC and TANH.
//
// Q format. A value with m integer bits ("Qm") is an int32 raw value r standing for
//   real = r / 2^(31 - m),       range [-2^m, 2^m), resolution 2^(m - 31).
// Q0 covers [-1, 1) (1.0 itself is approximated by INT32_MAX); it is the output format of every
// function here. Q5 covers [-32, 32) with 26 fractional bits, and so on.
//
// Arithmetic on raw values (all inline, all integer, no libm):
//   fx_add / fx_sub / fx_neg   same format in and out; wrap on overflow (two's complement), which
//                              is what the reference does — callers keep values in range.
//   fx_mul(a, b)               Qa × Qb → Q(a+b): saturating rounding doubling high multiply.
//   fx_mul_pot(x, e)           x × 2^e keeping the format: e > 0 saturates, e < 0 rounds half away
//                              from zero. Changing a value from Qm to Qn is fx_mul_pot(x, m - n).
//   fx_rounding_half_sum(a, b) (a + b) / 2 rounded half away from zero, without overflow.
//
// Functions (results are Q0, matching the .tflite reference kernels bit for bit):
//   fx_exp_on_negative_values<m>(a)   exp(a) for a Qm value a <= 0 (a == 0 gives INT32_MAX).
//   fx_one_over_one_plus_x(a)         1 / (1 + a) for a Q0 value a in [0, 1).
//   fx_one_minus_x_over_one_plus_x(a) (1 - a) / (1 + a) for a in [0, 1).
//   fx_tanh<m>(a), fx_logistic<m>(a)  for any Qm value a.
//
// How exp works: write a = -(k/4 + f) with f in [0, 1/4]; exp(a) is a short Taylor series on
// [-1/4, 0) around -1/8 times one constant exp(-2^j) per set bit j of the multiple of 1/4 (a
// "barrel shifter" of seven constants, exp(-1/4) ... exp(-16)). The reciprocal is three
// Newton–Raphson steps from the classic 48/17 - 32/17·d starting guess. tanh and logistic are built
// from both.
//
// Example — int8 logistic of an input already rescaled to Q4:
//   int32_t q4 = multiply_by_quantized_multiplier(x - zero_point, multiplier, shift);
//   int32_t q0 = fx_logistic<4>(q4);                      // [0, 1) as Q0
//   int32_t q = rounding_divide_by_pot(q0, 23) - 128;     // 1/256 steps, zero point -128
//
// Lookup tables (int16 kernels): a table of 513 int16 samples of f over the whole int16 input range
// is read with lut_lookup_s16(): the top 9 bits of the input pick a segment, the low 7 bits
// interpolate linearly inside it. lut_populate_s16() builds such a table the way the reference
// does (in float, with a bias that halves the interpolation error at each segment midpoint).
#pragma once

#include <stdint.h>

#include "runtime/kernels/quant.h"

namespace mote {

inline int32_t fx_add(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}
inline int32_t fx_sub(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) - static_cast<uint32_t>(b));
}
inline int32_t fx_neg(int32_t a) { return static_cast<int32_t>(0u - static_cast<uint32_t>(a)); }
inline int32_t fx_mul(int32_t a, int32_t b) { return saturating_rounding_doubling_high_mul(a, b); }

inline int32_t fx_rounding_half_sum(int32_t a, int32_t b) {
  const int64_t sum = static_cast<int64_t>(a) + static_cast<int64_t>(b);
  return static_cast<int32_t>((sum + (sum >= 0 ? 1 : -1)) / 2);
}

// x * 2^exponent, exponent in [-31, 30].
inline int32_t fx_mul_pot(int32_t x, int exponent) {
  if (exponent > 0) {
    const int32_t limit = static_cast<int32_t>((uint32_t{1} << (31 - exponent)) - 1);
    if (x > limit) return INT32_MAX;
    if (x < -limit) return INT32_MIN;
    return static_cast<int32_t>(static_cast<uint32_t>(x) << exponent);
  }
  if (exponent < 0) return rounding_divide_by_pot(x, -exponent);
  return x;
}

// Q0 constants (raw = round(real * 2^31)).
constexpr int32_t kFxExpMinusEighth = 1895147668;  // exp(-1/8)
constexpr int32_t kFxOneThird = 715827883;         // 1/3
// exp(-2^j) for j = -2 .. 4.
constexpr int32_t kFxExpMinusPow2[7] = {1672461947, 1302514674, 790015084, 290630308,
                                        39332535,   720401,     242};
// Q2 constants for the Newton–Raphson reciprocal.
constexpr int32_t kFx48Over17 = 1515870810;       // 48/17
constexpr int32_t kFxMinus32Over17 = -1010580540;  // -32/17
constexpr int32_t kFxOneQ2 = int32_t{1} << 29;

// exp(a) for a Q0 value a in [-1/4, 0): Taylor series in x = a + 1/8 around -1/8,
//   exp(a) = exp(-1/8) * (1 + x + x^2/2 + x^3/6 + x^4/24).
inline int32_t fx_exp_on_quarter_interval(int32_t a) {
  const int32_t x = fx_add(a, int32_t{1} << 28);
  const int32_t x2 = fx_mul(x, x);
  const int32_t x3 = fx_mul(x2, x);
  const int32_t x4 = fx_mul(x2, x2);
  const int32_t x4_over_4 = fx_mul_pot(x4, -2);
  // ((x^4/4 + x^3) / 3 + x^2) / 2 = x^4/24 + x^3/6 + x^2/2
  const int32_t tail = fx_mul_pot(fx_add(fx_mul(fx_add(x4_over_4, x3), kFxOneThird), x2), -1);
  return fx_add(kFxExpMinusEighth, fx_mul(kFxExpMinusEighth, fx_add(x, tail)));
}

// exp(a) for a Qm value a <= 0 (m = kIntegerBits), as Q0.
template <int kIntegerBits>
inline int32_t fx_exp_on_negative_values(int32_t a) {
  static_assert(kIntegerBits >= 0 && kIntegerBits <= 29, "integer bits out of range");
  constexpr int kFractionalBits = 31 - kIntegerBits;
  constexpr int32_t kQuarter = int32_t{1} << (kFractionalBits - 2);
  // a = (a mod 1/4 - 1/4) - remainder, with the first part in [-1/4, 0) and remainder a
  // non-negative multiple of 1/4.
  const int32_t in_quarter = fx_sub(a & (kQuarter - 1), kQuarter);
  int32_t result = fx_exp_on_quarter_interval(fx_mul_pot(in_quarter, kIntegerBits));
  const int32_t remainder = fx_sub(in_quarter, a);
  for (int j = -2; j <= 4; ++j) {
    if (kIntegerBits > j && (remainder & (int32_t{1} << (kFractionalBits + j))) != 0) {
      result = fx_mul(result, kFxExpMinusPow2[j + 2]);
    }
  }
  if (kIntegerBits > 5) {  // below -32 the result underflows Q0: flush to 0
    constexpr int kClampShift = kIntegerBits > 5 ? 36 - kIntegerBits : 0;
    if (a < -(int32_t{1} << kClampShift)) result = 0;
  }
  return a == 0 ? INT32_MAX : result;
}

// Shared Newton–Raphson iteration: returns 1/d as Q2 for d = (1 + a) / 2 in [1/2, 1).
inline int32_t fx_reciprocal_of_half_denominator(int32_t half_denominator) {
  int32_t x = fx_add(kFx48Over17, fx_mul(half_denominator, kFxMinus32Over17));
  for (int i = 0; i < 3; ++i) {
    const int32_t error = fx_sub(kFxOneQ2, fx_mul(half_denominator, x));  // 1 - d·x, Q2
    x = fx_add(x, fx_mul_pot(fx_mul(x, error), 2));                      // Q4 product back to Q2
  }
  return x;
}

// 1 / (1 + a) for a Q0 value a in [0, 1), as Q0.
inline int32_t fx_one_over_one_plus_x(int32_t a) {
  const int32_t half_denominator = fx_rounding_half_sum(a, INT32_MAX);
  // x ≈ 2 / (1 + a) in Q2; the same raw bits read as Q1 are 1 / (1 + a); Q1 -> Q0 is one shift.
  return fx_mul_pot(fx_reciprocal_of_half_denominator(half_denominator), 1);
}

// (1 - a) / (1 + a) = 2 / (1 + a) - 1 for a Q0 value a in [0, 1), as Q0.
inline int32_t fx_one_minus_x_over_one_plus_x(int32_t a) {
  const int32_t half_denominator = fx_rounding_half_sum(a, INT32_MAX);
  return fx_mul_pot(fx_sub(fx_reciprocal_of_half_denominator(half_denominator), kFxOneQ2), 2);
}

// tanh(a) for a Qm value a, as Q0. Uses tanh(|a|) = (1 - exp(-2|a|)) / (1 + exp(-2|a|)); -|a| read
// with one more integer bit is exactly -2|a|.
template <int kIntegerBits>
inline int32_t fx_tanh(int32_t a) {
  if (a == 0) return 0;
  const int32_t minus_abs = a < 0 ? a : fx_neg(a);
  const int32_t t = fx_one_minus_x_over_one_plus_x(fx_exp_on_negative_values<kIntegerBits + 1>(minus_abs));
  return a < 0 ? fx_neg(t) : t;
}

// logistic(a) = 1 / (1 + exp(-a)) for a Qm value a, as Q0; negative inputs use 1 - logistic(|a|).
template <int kIntegerBits>
inline int32_t fx_logistic(int32_t a) {
  if (a == 0) return int32_t{1} << 30;
  const int32_t abs_a = a > 0 ? a : fx_neg(a);
  const int32_t positive = fx_one_over_one_plus_x(fx_exp_on_negative_values<kIntegerBits>(fx_neg(abs_a)));
  return a > 0 ? positive : fx_sub(INT32_MAX, positive);
}

// ---- int16 lookup tables -------------------------------------------------------------------

constexpr int kLutS16Size = 513;  // 512 segments + the end point of the last one

// Interpolated lookup in a kLutS16Size table covering the int16 range.
inline int16_t lut_lookup_s16(int16_t value, const int16_t* lut) {
  const int index = 256 + (value >> 7);  // 0..511
  const int offset = value & 0x7f;
  const int base = lut[index];
  const int16_t slope = static_cast<int16_t>(lut[index + 1] - lut[index]);
  return static_cast<int16_t>(base + ((slope * offset + 64) >> 7));
}

// Fills `lut` (kLutS16Size entries) with f sampled over the int16 input range: input q stands for
// input_scale * (q - input_zero_point), outputs are quantized with output_scale / zero point.
// Float arithmetic in the reference's order; prepare-time only.
void lut_populate_s16(float (*f)(float), float input_scale, int32_t input_zero_point, float output_scale,
                      int32_t output_zero_point, int16_t* lut);

// sigmoid(i / 24) in unsigned Q0.16 for i = 0..255 (the last entry saturates to 65535), the table the
// int16 LOGISTIC and TANH kernels interpolate in. tanh(x) = 2 * sigmoid(2x) - 1 and
// sigmoid(-x) = 1 - sigmoid(x) let one half-range table serve both.
extern const uint16_t kSigmoidQ16Table[256];

}  // namespace mote
