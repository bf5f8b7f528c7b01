#include "runtime/kernels/mean.h"

#include "runtime/kernels/quant.h"

namespace mote {

namespace {

// Adds every input element into acc[output index] walking the input in row-major order. The
// innermost group runs as a plain loop: a contiguous add (kept) or a running sum (reduced).
template <typename T, typename Acc>
void sum_into(const MeanParams& p, const T* in, Acc* acc) {
  const int32_t last = p.num_groups - 1;
  const int32_t inner = p.sizes[last];
  int32_t outer = 1;
  for (int32_t g = 0; g < last; ++g) outer *= p.sizes[g];
  int32_t idx[6] = {0, 0, 0, 0, 0, 0};
  size_t base = 0;
  for (int32_t o = 0; o < outer; ++o) {
    Acc* dst = acc + base;
    if (p.reduced[last]) {
      Acc s = *dst;
      for (int32_t i = 0; i < inner; ++i) s += in[i];
      *dst = s;
    } else {
      for (int32_t i = 0; i < inner; ++i) dst[i] += in[i];
    }
    in += inner;
    for (int32_t g = last - 1; g >= 0; --g) {  // odometer over the outer groups
      base += static_cast<size_t>(p.out_strides[g]);
      if (++idx[g] < p.sizes[g]) break;
      base -= static_cast<size_t>(p.out_strides[g]) * static_cast<size_t>(p.sizes[g]);
      idx[g] = 0;
    }
  }
}

template <typename T>
void mean_int(const MeanParams& p, const T* input, T* output, int32_t* acc, int32_t qmin,
              int32_t qmax) {
  for (int32_t i = 0; i < p.out_count; ++i) acc[i] = 0;
  sum_into(p, input, acc);
  const int64_t zp_total = static_cast<int64_t>(p.input_zero_point) * p.reduce_count;
  for (int32_t i = 0; i < p.out_count; ++i) {
    const int32_t shifted = static_cast<int32_t>(acc[i] - zp_total);
    int32_t v = multiply_by_quantized_multiplier(shifted, p.multiplier, p.shift) + p.output_zero_point;
    v = v < qmin ? qmin : v;
    output[i] = static_cast<T>(v > qmax ? qmax : v);
  }
}

}  // namespace

void mean_fold_count(int32_t count, int32_t* multiplier, int32_t* shift) {
  int32_t k = 0;
  while (k < 62 && (int64_t{2} << k) <= count) ++k;  // floor(log2(count))
  if (k > 32) k = 32;
  if (k > 31 + *shift) k = 31 + *shift;
  if (k < 0) k = 0;
  *multiplier = static_cast<int32_t>((static_cast<int64_t>(*multiplier) << k) / count);
  *shift -= k;
}

size_t mean_scratch_bytes(const MeanParams& p) {
  return static_cast<size_t>(p.out_count) * sizeof(int32_t);
}

void mean_s8(const MeanParams& p, const int8_t* input, int8_t* output, int32_t* scratch) {
  mean_int<int8_t>(p, input, output, scratch, -128, 127);
}

void mean_s16(const MeanParams& p, const int16_t* input, int16_t* output, int32_t* scratch) {
  mean_int<int16_t>(p, input, output, scratch, -32768, 32767);
}

void mean_f32(const MeanParams& p, const float* input, float* output) {
  for (int32_t i = 0; i < p.out_count; ++i) output[i] = 0.0f;
  sum_into(p, input, output);
  const float n = static_cast<float>(p.reduce_count);
  for (int32_t i = 0; i < p.out_count; ++i) output[i] = output[i] / n;
}

}  // namespace mote
