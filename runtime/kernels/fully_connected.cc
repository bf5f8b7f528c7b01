#include "runtime/kernels/fully_connected.h"

#include "runtime/kernels/dot_s8.h"
#include "runtime/kernels/quant.h"

namespace mote {

namespace {

// Plain int8 dot product; the loop shape (widen, multiply, add) is what compilers vectorize.
inline int32_t dot_s8(const int8_t* x, const int8_t* w, int32_t n) {
  int32_t acc = 0;
  for (int32_t d = 0; d < n; ++d) acc += static_cast<int16_t>(x[d]) * static_cast<int16_t>(w[d]);
  return acc;
}

// Same with the input offset added to every input: x + offset stays within int16 because
// offset = -zero_point lies in [-127, 128].
inline int32_t dot_offset_s8(const int8_t* x, const int8_t* w, int32_t n, int16_t offset) {
  int32_t acc = 0;
  for (int32_t d = 0; d < n; ++d) {
    const int16_t xv = static_cast<int16_t>(x[d] + offset);
    acc += xv * static_cast<int16_t>(w[d]);
  }
  return acc;
}

// int16 x int8 dot product in int64. Partial sums of at most 256 products (each below 2^22 in
// magnitude) fit in int32, so the vectorizable inner loop runs in 32 bits.
inline int64_t dot_s16(const int16_t* x, const int8_t* w, int32_t n) {
  int64_t total = 0;
  for (int32_t start = 0; start < n; start += 256) {
    const int32_t end = (n - start > 256) ? start + 256 : n;
    int32_t acc = 0;
    for (int32_t d = start; d < end; ++d) acc += static_cast<int32_t>(x[d]) * w[d];
    total += acc;
  }
  return total;
}

// General form with a non-zero input offset (x + offset may need 17 bits).
inline int64_t dot_offset_s16(const int16_t* x, const int8_t* w, int32_t n, int32_t offset) {
  int64_t total = 0;
  for (int32_t d = 0; d < n; ++d) total += static_cast<int64_t>((x[d] + offset) * w[d]);
  return total;
}

}  // namespace

void fully_connected_row_sums_s8(int32_t output_depth, int32_t input_depth, const int8_t* weights,
                                 int32_t* row_sums) {
  for (int32_t o = 0; o < output_depth; ++o) {
    const int8_t* w = weights + static_cast<size_t>(o) * input_depth;
    int32_t s = 0;
    for (int32_t d = 0; d < input_depth; ++d) s += w[d];
    row_sums[o] = s;
  }
}

namespace {

// Bias, requantization, clamp of unit o's int32 sum.
inline int8_t finish_s8(const FullyConnectedParams& p, const int32_t* multipliers,
                        const int32_t* shifts, const int32_t* bias, int32_t o, int32_t acc) {
  // Wrapping add: the reference's int32 arithmetic for real models, defined for hostile ones.
  if (bias != nullptr) acc = static_cast<int32_t>(static_cast<uint32_t>(acc) + static_cast<uint32_t>(bias[o]));
  const int32_t ch = p.per_channel ? o : 0;
  const int32_t scaled =
      multiply_by_quantized_multiplier(acc, multipliers[ch], shifts[ch]) + p.output_offset;
  return static_cast<int8_t>(clamp_s32(scaled, p.act_min, p.act_max));
}

// 32-bit targets: four units at a time with dot_scalar (each input value loaded once for four
// weight rows), then the rest one by one.
void fully_connected_s8_scalar(const FullyConnectedParams& p, const int32_t* multipliers,
                               const int32_t* shifts, const int32_t* row_sums,
                               const int8_t* x, const int8_t* weights, const int32_t* bias,
                               int8_t* out) {
  const int32_t depth = p.input_depth;
  const int32_t offset = row_sums != nullptr ? 0 : p.input_offset;
  int32_t o = 0;
  auto finish = [&](const int32_t* acc, int32_t count) {
    for (int32_t k = 0; k < count; ++k) {
      const int32_t fold = row_sums != nullptr ? p.input_offset * row_sums[o + k] : 0;
      out[o + k] = finish_s8(p, multipliers, shifts, bias, o + k, acc[k] + fold);
    }
  };
  for (; o + 4 <= p.output_depth; o += 4) {
    int32_t acc[4] = {0, 0, 0, 0};
    dot_scalar<1, 4>(weights + static_cast<size_t>(o) * depth, depth, x, 0, depth, offset, acc);
    finish(acc, 4);
  }
  for (; o < p.output_depth; ++o) {
    int32_t acc[1] = {0};
    dot_scalar<1, 1>(weights + static_cast<size_t>(o) * depth, depth, x, 0, depth, offset, acc);
    finish(acc, 1);
  }
}

}  // namespace

void fully_connected_s8(const FullyConnectedParams& p, const int32_t* multipliers,
                        const int32_t* shifts, const int32_t* row_sums, const int8_t* input,
                        const int8_t* weights, const int32_t* bias, int8_t* output) {
  const int32_t depth = p.input_depth;
  const int16_t offset = static_cast<int16_t>(p.input_offset);
  for (int32_t b = 0; b < p.batches; ++b) {
    const int8_t* x = input + static_cast<size_t>(b) * depth;
    int8_t* out = output + static_cast<size_t>(b) * p.output_depth;
    if (kScalarTarget) {  // a plain if: the scalar path stays referenced on 64-bit hosts too
      fully_connected_s8_scalar(p, multipliers, shifts, row_sums, x, weights, bias, out);
      continue;
    }
    for (int32_t o = 0; o < p.output_depth; ++o) {
      const int8_t* w = weights + static_cast<size_t>(o) * depth;
      const int32_t acc = row_sums != nullptr ? dot_s8(x, w, depth) + p.input_offset * row_sums[o]
                                              : dot_offset_s8(x, w, depth, offset);
      out[o] = finish_s8(p, multipliers, shifts, bias, o, acc);
    }
  }
}

void fully_connected_s16(const FullyConnectedParams& p, const int32_t* multipliers,
                         const int32_t* shifts, const int16_t* input, const int8_t* weights,
                         const int64_t* bias, int16_t* output) {
  const int32_t depth = p.input_depth;
  for (int32_t b = 0; b < p.batches; ++b) {
    const int16_t* x = input + static_cast<size_t>(b) * depth;
    int16_t* out = output + static_cast<size_t>(b) * p.output_depth;
    for (int32_t o = 0; o < p.output_depth; ++o) {
      const int8_t* w = weights + static_cast<size_t>(o) * depth;
      int64_t acc = p.input_offset == 0 ? dot_s16(x, w, depth)
                                        : dot_offset_s16(x, w, depth, p.input_offset);
      if (bias != nullptr) acc += load_bias_s64(bias + o);
      const int32_t ch = p.per_channel ? o : 0;
      const int32_t scaled =
          multiply_by_quantized_multiplier(acc, multipliers[ch], shifts[ch]) + p.output_offset;
      out[o] = static_cast<int16_t>(clamp_s32(scaled, p.act_min, p.act_max));
    }
  }
}

void fully_connected_acc32_s16(const FullyConnectedParams& p, const int32_t* multipliers,
                               const int32_t* shifts, const int16_t* input,
                               const int8_t* weights, const int32_t* bias, int16_t* output) {
  const int32_t depth = p.input_depth;
  for (int32_t b = 0; b < p.batches; ++b) {
    const int16_t* x = input + static_cast<size_t>(b) * depth;
    int16_t* out = output + static_cast<size_t>(b) * p.output_depth;
    for (int32_t o = 0; o < p.output_depth; ++o) {
      const int8_t* w = weights + static_cast<size_t>(o) * depth;
      // 32-bit accumulation wraps exactly like the reference's int32 accumulator.
      uint32_t acc = 0;
      for (int32_t d = 0; d < depth; ++d)
        acc += static_cast<uint32_t>((x[d] + p.input_offset) * w[d]);
      if (bias != nullptr) acc += static_cast<uint32_t>(bias[o]);
      const int32_t ch = p.per_channel ? o : 0;
      const int32_t scaled = multiply_by_quantized_multiplier(static_cast<int32_t>(acc),
                                                              multipliers[ch], shifts[ch]) +
                             p.output_offset;
      out[o] = static_cast<int16_t>(clamp_s32(scaled, p.act_min, p.act_max));
    }
  }
}

void fully_connected_f32(const FullyConnectedParams& p, const float* input, const float* weights,
                         const float* bias, float* output) {
  const int32_t depth = p.input_depth;
  for (int32_t b = 0; b < p.batches; ++b) {
    const float* x = input + static_cast<size_t>(b) * depth;
    float* out = output + static_cast<size_t>(b) * p.output_depth;
    for (int32_t o = 0; o < p.output_depth; ++o) {
      const float* w = weights + static_cast<size_t>(o) * depth;
      float total = 0.0f;
      for (int32_t d = 0; d < depth; ++d) total += x[d] * w[d];
      float v = total + (bias != nullptr ? bias[o] : 0.0f);
      v = v < p.act_min_f ? p.act_min_f : v;
      out[o] = v > p.act_max_f ? p.act_max_f : v;
    }
  }
}

}  // namespace mote
