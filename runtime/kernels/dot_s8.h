// mote kernels — the int8 multiply-accumulate inner loop for 32-bit targets, shared by the
// convolution and fully-connected kernels.
//
// On a 64-bit host the kernels keep their plain loops, which the compiler vectorizes. A 32-bit
// microcontroller core is different: Cortex-M has 13 allocatable registers and no vector unit
// before Helium, RV32 has no reg+reg addressing, and GCC at -O2/-Os leaves a loop over a small
// accumulator array in memory unless every index is a constant. dot_scalar is shaped for those
// cores: at most four accumulators in a block (2 rows of x times 2 rows of w, or 1 x 4), one
// pointer per row, the small loops fully unrolled so every accumulator is a register, and the
// main loop unrolled by four so RV32 addresses with immediate offsets. On Cortex-M4 that is 3
// instructions per multiply-accumulate (load, add offset, multiply-add, amortized) instead of 9.
//
//   if constexpr (kScalarTarget) {
//     int32_t acc[4] = {};                       // 1 input row x 4 weight rows
//     dot_scalar<1, 4>(w, depth, x, 0, depth, input_offset, acc);  // acc[c] += sum w_c * (x + off)
//   }
//
// Arithmetic: acc[c * NP + j] += sum_i w[c * w_stride + i] * (x[j * x_stride + i] + offset).
// Each product fits in 24 bits (int8/int16 x with |offset| < 2^15, int8 w); the partial sums are
// int32 (signed, which lets GCC keep the Cortex-M loop at three instructions per
// multiply-accumulate — unsigned partial sums cost it half as much again) and are exact while
// n * 2^23 < 2^31, i.e. for any run of up to 256 values and far beyond for int8 activations
// (products below 2^15 in magnitude: 65,536 values). The final add into acc wraps modulo 2^32
// like the reference's int32 accumulator.
#pragma once

#include <stdint.h>

namespace mote {

// True on targets with 4-byte pointers: the microcontrollers, where the kernels take dot_scalar.
constexpr bool kScalarTarget = sizeof(void*) == 4;

// NP rows of x (x + j * x_stride) against NC rows of w (w + c * w_stride), n values each.
// X: int8_t (activations) or int16_t (gathered patches). Adds into acc[NC * NP] (row c of w,
// row j of x at acc[c * NP + j]).
template <int NP, int NC, typename X>
inline void dot_scalar(const int8_t* w, int32_t w_stride, const X* x, int32_t x_stride, int32_t n,
                       int32_t offset, int32_t* acc) {
  const X* xp[NP];
  const int8_t* wp[NC];
  int32_t a[NC][NP];
#pragma GCC unroll 4
  for (int j = 0; j < NP; ++j) xp[j] = x + j * x_stride;
#pragma GCC unroll 4
  for (int c = 0; c < NC; ++c) {
    wp[c] = w + c * w_stride;
#pragma GCC unroll 4
    for (int j = 0; j < NP; ++j) a[c][j] = 0;
  }
  auto tap = [&](int32_t k) {
    int32_t xv[NP];
#pragma GCC unroll 4
    for (int j = 0; j < NP; ++j) xv[j] = xp[j][k] + offset;
#pragma GCC unroll 4
    for (int c = 0; c < NC; ++c) {
      const int32_t wv = wp[c][k];
#pragma GCC unroll 4
      for (int j = 0; j < NP; ++j) a[c][j] += wv * xv[j];
    }
  };
  auto advance = [&](int32_t k) {
#pragma GCC unroll 4
    for (int j = 0; j < NP; ++j) xp[j] += k;
#pragma GCC unroll 4
    for (int c = 0; c < NC; ++c) wp[c] += k;
  };
  int32_t i = n;
  for (; i >= 4; i -= 4) {
    tap(0), tap(1), tap(2), tap(3);
    advance(4);
  }
  for (; i > 0; --i) {
    tap(0);
    advance(1);
  }
#pragma GCC unroll 4
  for (int c = 0; c < NC; ++c)
#pragma GCC unroll 4
    for (int j = 0; j < NP; ++j)
      acc[c * NP + j] =
          static_cast<int32_t>(static_cast<uint32_t>(acc[c * NP + j]) + static_cast<uint32_t>(a[c][j]));
}

}  // namespace mote
