// Independent reference arithmetic for quantized ops, written from the definitions (not from
// runtime/kernels/quant.h), in 64-bit integers and doubles, so a test that compares a kernel with
// these can catch a wrong rounding in quant.h too.
//
//   int32_t m, shift;
//   ref_quantize_multiplier(0.05 * 0.02 / 0.1, &m, &shift);       // real = m * 2^(shift - 31)
//   int32_t y = ref_rescale32(acc, m, shift) + out_zero_point;    // the int8 kernels' requantization
//   int32_t z = ref_rescale64(acc64, m, shift);                   // the int16 kernels' (64-bit) one
#pragma once

#include <cmath>
#include <cstdint>

namespace mote::testing {

// real = m * 2^(shift - 31) with m in [2^30, 2^31), via frexp and round as the .tflite converter
// tools do; 0 (and anything below 2^-31) gives m = 0, shift = 0.
void ref_quantize_multiplier(double real, int32_t* m, int32_t* shift);

// The reference's 32-bit requantization of x by m * 2^(shift - 31): x * 2^max(shift, 0), a
// doubling high multiply rounding half up (INT32_MIN * INT32_MIN saturates), then a right shift
// by max(-shift, 0) rounding half away from zero. x * 2^shift wraps to int32 as the reference's
// shift does.
int32_t ref_rescale32(int32_t x, int32_t m, int32_t shift);

// The reference's 64-bit requantization (int16 kernels): the multiplier rounded to Q15, one shift
// by 15 - shift rounding half up.
int32_t ref_rescale64(int64_t x, int32_t m, int32_t shift);

// Round half away from zero (std::round's rule, spelled out).
inline double round_half_away(double x) { return x < 0 ? -std::floor(-x + 0.5) : std::floor(x + 0.5); }

}  // namespace mote::testing
