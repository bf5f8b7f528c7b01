#include "runtime/kernels/softmax.h"

#include <math.h>

#include "runtime/kernels/quant.h"

namespace mote {

namespace {

constexpr int kScaledDiffIntegerBits = 5;   // exp() input format: Q5.26
constexpr int kAccumulationIntegerBits = 12;  // sum of exps: Q12.19

inline int count_leading_zeros(uint32_t x) { return x == 0 ? 32 : __builtin_clz(x); }

inline int32_t clamp32(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

// exp(beta · input_scale · diff) as Q0 for a difference diff in [diff_min, 0].
inline int32_t scaled_exp(const SoftmaxS8Params& p, int32_t diff) {
  const int32_t shifted = static_cast<int32_t>(static_cast<uint32_t>(diff) << p.input_left_shift);
  return fx_exp_on_negative_values<kScaledDiffIntegerBits>(
      saturating_rounding_doubling_high_mul(shifted, p.input_multiplier));
}

// One int8 row; OutT is int8_t or int16_t, whose full range maps to [0, 1).
template <typename OutT>
void softmax_row_q8(const SoftmaxS8Params& p, int32_t depth, const int8_t* in, OutT* out, int32_t out_min,
                    int32_t out_max) {
  int32_t max_in_row = INT8_MIN;
  for (int32_t c = 0; c < depth; ++c) max_in_row = in[c] > max_in_row ? in[c] : max_in_row;

  int32_t sum_of_exps = 0;  // Q12
  for (int32_t c = 0; c < depth; ++c) {
    const int32_t diff = in[c] - max_in_row;
    if (diff >= p.diff_min) {
      sum_of_exps = fx_add(sum_of_exps, fx_mul_pot(scaled_exp(p, diff), -kAccumulationIntegerBits));
    }
  }

  // sum = 2^bits_over_unit · (1 + f), f in [0, 1): 1/sum = 2^-bits_over_unit · 1/(1 + f).
  const int headroom_plus_one = count_leading_zeros(static_cast<uint32_t>(sum_of_exps));
  const int bits_over_unit = kAccumulationIntegerBits - headroom_plus_one;
  const int32_t fraction = static_cast<int32_t>((static_cast<uint32_t>(sum_of_exps) << headroom_plus_one) -
                                                (uint32_t{1} << 31));
  const int32_t reciprocal = fx_one_over_one_plus_x(fraction);
  int exponent = bits_over_unit + 31 - static_cast<int>(sizeof(OutT) * 8);
  // Only a sum that wrapped (depth >= 4096 near-equal values) gets here; keep the shift defined.
  exponent = exponent > 31 ? 31 : exponent;

  for (int32_t c = 0; c < depth; ++c) {
    const int32_t diff = in[c] - max_in_row;
    int32_t q = out_min;
    if (diff >= p.diff_min) {
      const int32_t unsat = rounding_divide_by_pot(fx_mul(reciprocal, scaled_exp(p, diff)), exponent);
      q = clamp32(unsat + out_min, out_min, out_max);
    }
    out[c] = static_cast<OutT>(q);
  }
}

float exp_of(float v) { return expf(v); }
float one_over_one_plus(float v) { return 1.0f / (1.0f + v); }

}  // namespace

bool softmax_s8_params(float beta, float input_scale, SoftmaxS8Params* p) {
  double real = static_cast<double>(beta) * static_cast<double>(input_scale) *
                static_cast<double>(1 << (31 - kScaledDiffIntegerBits));
  const double kMaxMultiplier = 2147483647.0;
  if (real > kMaxMultiplier) real = kMaxMultiplier;
  if (!(real > 1.0)) return false;
  int shift = 0;
  quantize_multiplier(real, &p->input_multiplier, &shift);
  p->input_left_shift = shift;
  // Largest |diff| whose rescaled value still fits Q5: floor((2^5 - 1) · 2^26 / 2^shift).
  const int64_t radius = (int64_t{(1 << kScaledDiffIntegerBits) - 1} << (31 - kScaledDiffIntegerBits)) >> shift;
  p->diff_min = -static_cast<int32_t>(radius);
  return true;
}

void softmax_s8(const SoftmaxS8Params& p, int32_t rows, int32_t depth, const int8_t* input, int8_t* output) {
  for (int32_t r = 0; r < rows; ++r) {
    softmax_row_q8<int8_t>(p, depth, input + r * depth, output + r * depth, INT8_MIN, INT8_MAX);
  }
}

void softmax_s8_s16(const SoftmaxS8Params& p, int32_t rows, int32_t depth, const int8_t* input,
                    int16_t* output) {
  for (int32_t r = 0; r < rows; ++r) {
    softmax_row_q8<int16_t>(p, depth, input + r * depth, output + r * depth, INT16_MIN, INT16_MAX);
  }
}

void softmax_s16_params(float beta, float input_scale, SoftmaxS16Params* p) {
  // Scale differences so that [-65535, 0] covers [-10, 0], the span of the exp table.
  const double real = static_cast<double>(input_scale) * static_cast<double>(beta) / (10.0 / 65535.0);
  int shift = 0;
  quantize_multiplier(real, &p->input_multiplier, &shift);
  p->input_shift = shift;
}

void softmax_s16_tables(int16_t* exp_lut, int16_t* one_over_one_plus_x_lut) {
  const float span = 65535.0f;  // INT16_MAX - INT16_MIN
  // exp on [-10, 0]: input q means 10/65535 · (q - 32767); output q means q · 2/65535.
  lut_populate_s16(exp_of, 10.0f / span, INT16_MAX, 2.0f / span, 0, exp_lut);
  // 1/(1+x) on [0, 1]: input q means (q + 32768) / 65535.
  lut_populate_s16(one_over_one_plus, 1.0f / span, INT16_MIN, 2.0f / span, 0, one_over_one_plus_x_lut);
}

void softmax_s16(const SoftmaxS16Params& p, const int16_t* exp_lut, const int16_t* one_over_one_plus_x_lut,
                 int32_t rows, int32_t depth, const int16_t* input, int16_t* output) {
  for (int32_t r = 0; r < rows; ++r) {
    const int16_t* in = input + r * depth;
    int16_t* out = output + r * depth;
    int32_t max_in_row = INT16_MIN;
    for (int32_t c = 0; c < depth; ++c) max_in_row = in[c] > max_in_row ? in[c] : max_in_row;

    // exp of every element (Q0.15), kept in the output row; their sum in Q16.15.
    int32_t sum_of_exps = 0;
    for (int32_t c = 0; c < depth; ++c) {
      const int32_t scaled = multiply_by_quantized_multiplier(in[c] - max_in_row, p.input_multiplier, p.input_shift);
      const int32_t centered = clamp32(scaled + INT16_MAX, INT16_MIN, INT16_MAX);  // 0 -> table end
      out[c] = lut_lookup_s16(static_cast<int16_t>(centered), exp_lut);
      sum_of_exps = fx_add(sum_of_exps, out[c]);
    }

    // Normalise the sum to [1, 2) (Q1.14 after the shift), look up 1/(1 + (sum - 1)).
    const int headroom_plus_one = count_leading_zeros(static_cast<uint32_t>(sum_of_exps));
    const int32_t shifted_sum =
        static_cast<int32_t>(((static_cast<int64_t>(sum_of_exps) << (headroom_plus_one - 1)) + (1 << 13)) >> 14);
    // [32768, 65535] means [1, 2); the table input is x = sum - 1 recentred to [-32768, 32767].
    const int32_t centered = clamp32(shifted_sum - ((1 << 15) + (1 << 16)), INT16_MIN, INT16_MAX);
    const int64_t reciprocal = lut_lookup_s16(static_cast<int16_t>(centered), one_over_one_plus_x_lut);

    const int right_shift = 31 - headroom_plus_one;
    const int64_t round = int64_t{1} << (right_shift - 1);
    for (int32_t c = 0; c < depth; ++c) {
      const int32_t v = static_cast<int32_t>((static_cast<int64_t>(out[c]) * reciprocal + round) >> right_shift);
      out[c] = static_cast<int16_t>(clamp32(v, 0, INT16_MAX));
    }
  }
}

void softmax_f32(float beta, int32_t rows, int32_t depth, const float* input, float* output) {
  for (int32_t r = 0; r < rows; ++r) {
    const float* in = input + r * depth;
    float* out = output + r * depth;
    float max_in_row = -3.402823466e+38f;
    for (int32_t c = 0; c < depth; ++c) max_in_row = in[c] > max_in_row ? in[c] : max_in_row;
    float sum = 0.0f;
    for (int32_t c = 0; c < depth; ++c) {
      const float e = expf((in[c] - max_in_row) * beta);
      out[c] = e;
      sum += e;
    }
    for (int32_t c = 0; c < depth; ++c) out[c] = out[c] / sum;
  }
}

}  // namespace mote
