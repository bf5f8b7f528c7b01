// mote kernels — fixed-point arithmetic shared by every quantized kernel.
//
// Real multipliers (e.g. input_scale * filter_scale / output_scale) are represented as a Q31
// mantissa `multiplier` in [2^30, 2^31) and a power-of-two `shift` (positive = left), so that
//   real ≈ multiplier * 2^(shift - 31).
// The rounding rules below are the ones the .tflite reference kernels use, so results match them
// bit for bit: a saturating rounding doubling high multiply followed by a rounding (half away from
// zero) right shift.
//
//   int32_t m; int s;
//   quantize_multiplier(0.0123, &m, &s);            // prepare time, once
//   int32_t y = multiply_by_quantized_multiplier(acc, m, s) + output_zero_point;  // per element
#pragma once

#include <stdint.h>
#include <string.h>

namespace mote {

// Reads an int64 that may be only 4-byte aligned: .tflite files align 64-bit constants (int16
// kernels' biases) to 4 bytes, so kernels never dereference an int64_t* from the model directly.
inline int64_t load_s64(const int64_t* p) {
  int64_t v;
  memcpy(&v, p, sizeof(v));
  return v;
}

// An int64 bias for the 16x8 kernels, read unaligned-safe and clamped to +-2^47: valid models
// stay far inside (the 64-bit requantization requires |accumulator + bias| < 2^47), and the clamp
// keeps `accumulator + bias` from overflowing for hostile ones.
inline int64_t load_bias_s64(const int64_t* p) {
  constexpr int64_t kLimit = int64_t{1} << 47;
  const int64_t v = load_s64(p);
  return v > kLimit ? kLimit : (v < -kLimit ? -kLimit : v);
}

// Splits `real` into a Q31 mantissa and an exponent. real == 0 gives (0, 0); exponents below -31
// flush to (0, 0). No libm: works in freestanding builds.
void quantize_multiplier(double real, int32_t* multiplier, int* shift);

inline int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  if (a == b && a == INT32_MIN) return INT32_MAX;
  int64_t ab = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
  return static_cast<int32_t>((ab + nudge) / (int64_t{1} << 31));
}

// Division by 2^exponent rounding half away from zero; exponent in [0, 31].
inline int32_t rounding_divide_by_pot(int32_t x, int exponent) {
  const int32_t mask = static_cast<int32_t>((int64_t{1} << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

inline int32_t multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift) {
  const int left = shift > 0 ? shift : 0;
  const int right = shift > 0 ? 0 : -shift;
  const int32_t shifted = static_cast<int32_t>(static_cast<uint32_t>(x) << left);
  return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(shifted, multiplier), right);
}

// 64-bit accumulator variant used by 16x8 kernels: the multiplier is reduced to Q15 and one
// rounding shift applied. Valid for |x| < 2^47 and shift in [-31, 8).
inline int32_t multiply_by_quantized_multiplier(int64_t x, int32_t multiplier, int shift) {
  // Valid models stay inside |x| < 2^47 and produce an int32 result; saturating both keeps
  // hostile biases from overflowing (the caller clamps to the output range anyway).
  constexpr int64_t kLimit = (int64_t{1} << 47) - 1;
  x = x > kLimit ? kLimit : (x < -kLimit ? -kLimit : x);
  const int32_t reduced = multiplier < 0x7FFF0000 ? ((multiplier + (1 << 15)) >> 16) : 0x7FFF;
  const int total_shift = 15 - shift;
  const int64_t round = int64_t{1} << (total_shift - 1);
  const int64_t result = (x * static_cast<int64_t>(reduced) + round) >> total_shift;
  return result > INT32_MAX ? INT32_MAX : (result < INT32_MIN ? INT32_MIN : static_cast<int32_t>(result));
}

// The two halves of requantize() below, in 32-bit arithmetic apart from one 32x32->64 multiply
// (a single SMULL on Cortex-M, MUL + MULH on RV32; no 64-bit shifts or adds beyond the rounding
// constant), which is what makes requantization cheap on 32-bit cores:
//   doubling_high_mul(a, m) = floor((a * m + 2^30) / 2^31), the doubling high multiply rounding
//     half up; for 0 <= m < 2^31 the result always fits int32.
//   rounding_shift_right(y, right, mask, threshold) = y / 2^right rounded half away from zero,
//     given mask = 2^right - 1 and threshold = mask >> 1 (right in [0, 31]): the floor y >> right,
//     plus one when the remainder y & mask lies above threshold — above threshold + 1 for
//     negative y, whose exact halves thereby stay at the floor, i.e. away from zero.
inline int32_t doubling_high_mul(int32_t a, int32_t m) {
  return static_cast<int32_t>((static_cast<int64_t>(a) * m + (int64_t{1} << 30)) >> 31);
}
inline int32_t rounding_shift_right(int32_t y, int32_t right, int32_t mask, int32_t threshold) {
  return (y >> right) + ((y & mask) > threshold + (y < 0 ? 1 : 0) ? 1 : 0);
}

// requantize() split into a per-channel part, computed once, and the per-output apply(): for
// kernels that produce many outputs of one channel in a row.
struct ChannelRequant {
  int32_t multiplier;
  int32_t mask;       // 2^right - 1
  int32_t threshold;  // mask >> 1
  int8_t left;        // left shift applied to the input
  int8_t right;       // rounding right shift

  static ChannelRequant of(int32_t multiplier, int32_t shift) {
    ChannelRequant r;
    r.multiplier = multiplier;
    r.left = static_cast<int8_t>(shift > 0 ? shift : 0);
    r.right = static_cast<int8_t>(shift > 0 ? 0 : -shift);
    r.mask = static_cast<int32_t>((uint32_t{1} << r.right) - 1);
    r.threshold = r.mask >> 1;
    return r;
  }
  int32_t apply(int32_t x) const {
    const int32_t a = static_cast<int32_t>(static_cast<uint32_t>(x) << left);
    return rounding_shift_right(doubling_high_mul(a, multiplier), right, mask, threshold);
  }
};

// The same value as multiply_by_quantized_multiplier(int32_t x, multiplier, shift) above for
// every x when 0 <= multiplier < 2^31 and -31 <= shift <= 30 (what quantize_multiplier produces),
// in fewer operations, for the per-output requantization of the quantized kernels: the doubling
// high multiply rounding half up is an arithmetic shift of the 64-bit product, and the rounding
// right shift needs no saturation (see ChannelRequant, which this is).
inline int32_t requantize(int32_t x, int32_t multiplier, int32_t shift) {
  return ChannelRequant::of(multiplier, shift).apply(x);
}

// 64-bit accumulators take the 64-bit multiply_by_quantized_multiplier above (other rounding).
int32_t requantize(int64_t x, int32_t multiplier, int32_t shift) = delete;

// v limited to [lo, hi]: max(v, lo), then min(.., hi) — the kernels' final clamp to the
// activation range (lo <= hi there; were lo > hi, the result would be hi).
inline int32_t clamp_s32(int32_t v, int32_t lo, int32_t hi) {
  v = v < lo ? lo : v;
  return v > hi ? hi : v;
}

// Clamp range of a quantized tensor after a fused activation (0 none, 1 relu, 2 relu_n1_to_1,
// 3 relu6), given the type's [qmin, qmax]. Uses the same float rounding as the reference: the
// bound f quantizes to zero_point + round(f / scale).
void activation_range_quantized(uint8_t activation, float scale, int32_t zero_point, int32_t qmin,
                                int32_t qmax, int32_t* act_min, int32_t* act_max);
// Float clamp range for a fused activation (±FLT_MAX for none).
void activation_range_float(uint8_t activation, float* act_min, float* act_max);

// round() without libm: half away from zero, for |x| < 2^62.
inline double round_half_away(double x) {
  if (x >= 0) {
    double t = static_cast<double>(static_cast<int64_t>(x));
    return (x - t >= 0.5) ? t + 1.0 : t;
  }
  double t = static_cast<double>(static_cast<int64_t>(x));
  return (t - x >= 0.5) ? t - 1.0 : t;
}
inline float round_half_away(float x) { return static_cast<float>(round_half_away(static_cast<double>(x))); }

}  // namespace mote
