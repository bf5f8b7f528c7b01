#include "runtime/kernels/transpose_conv.h"

#include <string.h>

#include "runtime/kernels/quant.h"

namespace mote {

namespace {

size_t output_elements(const TransposeConvParams& p) {
  return static_cast<size_t>(p.batches) * p.output_h * p.output_w * p.output_depth;
}

// Filter taps of one input position that land inside the output: [*first, *last).
inline void taps(int32_t origin, int32_t filter, int32_t out, int32_t* first, int32_t* last) {
  const int32_t lo = origin < 0 ? -origin : 0;
  const int32_t hi = out - origin < filter ? out - origin : filter;
  *first = lo;
  *last = hi > lo ? hi : lo;
}

// The scatter phase shared by every type. For each input pixel and each filter tap inside the
// output, `accumulate(acc_row, x, w_tap)` adds, for every output channel oc, the dot product of
// the input pixel's channels x[0..input_depth) with w_tap + oc * filter_stride.
template <typename T, typename W, typename Acc, typename Accumulate>
void scatter(const TransposeConvParams& p, const T* input, const W* filter, Acc* acc,
             Accumulate accumulate) {
  const int32_t ic = p.input_depth;
  const size_t out_row = static_cast<size_t>(p.output_w) * p.output_depth;
  for (int32_t b = 0; b < p.batches; ++b) {
    Acc* acc_b = acc + static_cast<size_t>(b) * p.output_h * out_row;
    for (int32_t iy = 0; iy < p.input_h; ++iy) {
      const int32_t oy0 = iy * p.stride_h - p.pad_top;
      int32_t fy0, fy1;
      taps(oy0, p.filter_h, p.output_h, &fy0, &fy1);
      for (int32_t ix = 0; ix < p.input_w; ++ix) {
        const int32_t ox0 = ix * p.stride_w - p.pad_left;
        int32_t fx0, fx1;
        taps(ox0, p.filter_w, p.output_w, &fx0, &fx1);
        const T* x = input + ((static_cast<size_t>(b) * p.input_h + iy) * p.input_w + ix) * ic;
        for (int32_t fy = fy0; fy < fy1; ++fy) {
          Acc* row = acc_b + static_cast<size_t>(oy0 + fy) * out_row;
          for (int32_t fx = fx0; fx < fx1; ++fx) {
            const W* w_tap = filter + (static_cast<size_t>(fy) * p.filter_w + fx) * ic;
            accumulate(row + static_cast<size_t>(ox0 + fx) * p.output_depth, x, w_tap);
          }
        }
      }
    }
  }
}

}  // namespace

size_t transpose_conv_s8_scratch_bytes(const TransposeConvParams& p) {
  return output_elements(p) * sizeof(int32_t);
}

size_t transpose_conv_s16_scratch_bytes(const TransposeConvParams& p) {
  return output_elements(p) * sizeof(int64_t);
}

void transpose_conv_s8(const TransposeConvParams& p, const int32_t* multipliers,
                       const int32_t* shifts, const int8_t* input, const int8_t* filter,
                       const int32_t* bias, int8_t* output, int32_t* scratch) {
  const size_t n = output_elements(p);
  memset(scratch, 0, n * sizeof(int32_t));
  const int32_t ic = p.input_depth, oc_count = p.output_depth;
  const size_t w_stride = static_cast<size_t>(p.filter_h) * p.filter_w * ic;
  const int16_t offset = static_cast<int16_t>(p.input_offset);  // -zero point: fits in int16
  scatter(p, input, filter, scratch, [=](int32_t* acc, const int8_t* x, const int8_t* w_tap) {
    for (int32_t oc = 0; oc < oc_count; ++oc) {
      const int8_t* w = w_tap + oc * w_stride;
      int32_t sum = 0;
      for (int32_t i = 0; i < ic; ++i)
        sum += static_cast<int16_t>(x[i] + offset) * static_cast<int16_t>(w[i]);
      acc[oc] += sum;
    }
  });
  for (size_t i = 0; i < n; i += static_cast<size_t>(oc_count)) {
    for (int32_t oc = 0; oc < oc_count; ++oc) {
      int32_t v = scratch[i + oc] + (bias != nullptr ? bias[oc] : 0);
      v = multiply_by_quantized_multiplier(v, multipliers[oc], shifts[oc]) + p.output_offset;
      output[i + oc] = static_cast<int8_t>(clamp_s32(v, p.act_min, p.act_max));
    }
  }
}

void transpose_conv_s16(const TransposeConvParams& p, const int32_t* multipliers,
                        const int32_t* shifts, const int16_t* input, const int8_t* filter,
                        const int64_t* bias, int16_t* output, int64_t* scratch) {
  const size_t n = output_elements(p);
  memset(scratch, 0, n * sizeof(int64_t));
  const int32_t ic = p.input_depth, oc_count = p.output_depth;
  const size_t w_stride = static_cast<size_t>(p.filter_h) * p.filter_w * ic;
  scatter(p, input, filter, scratch, [=](int64_t* acc, const int16_t* x, const int8_t* w_tap) {
    for (int32_t oc = 0; oc < oc_count; ++oc) {
      const int8_t* w = w_tap + oc * w_stride;
      // Blocks of 256 products (each below 2^22 in magnitude) cannot overflow int32.
      for (int32_t start = 0; start < ic; start += 256) {
        const int32_t end = ic - start > 256 ? start + 256 : ic;
        int32_t sum = 0;
        for (int32_t i = start; i < end; ++i) sum += static_cast<int32_t>(x[i]) * w[i];
        acc[oc] += sum;
      }
    }
  });
  for (size_t i = 0; i < n; i += static_cast<size_t>(oc_count)) {
    for (int32_t oc = 0; oc < oc_count; ++oc) {
      const int64_t v = scratch[i + oc] + (bias != nullptr ? load_bias_s64(bias + oc) : 0);
      const int32_t scaled = multiply_by_quantized_multiplier(v, multipliers[oc], shifts[oc]);
      output[i + oc] = static_cast<int16_t>(clamp_s32(scaled, p.act_min, p.act_max));
    }
  }
}

void transpose_conv_f32(const TransposeConvParams& p, const float* input, const float* filter,
                        const float* bias, float* output) {
  const size_t n = output_elements(p);
  for (size_t i = 0; i < n; ++i) output[i] = 0.0f;
  const int32_t ic = p.input_depth, oc_count = p.output_depth;
  const size_t w_stride = static_cast<size_t>(p.filter_h) * p.filter_w * ic;
  // Per output element the products arrive in (iy, ix, ic) order, as in the reference.
  scatter(p, input, filter, output, [=](float* acc, const float* x, const float* w_tap) {
    for (int32_t oc = 0; oc < oc_count; ++oc) {
      const float* w = w_tap + oc * w_stride;
      float sum = acc[oc];
      for (int32_t i = 0; i < ic; ++i) sum += x[i] * w[i];
      acc[oc] = sum;
    }
  });
  for (size_t i = 0; i < n; i += static_cast<size_t>(oc_count)) {
    for (int32_t oc = 0; oc < oc_count; ++oc) {
      float v = output[i + oc];
      if (bias != nullptr) v += bias[oc];
      v = v < p.act_min_f ? p.act_min_f : v;
      output[i + oc] = v > p.act_max_f ? p.act_max_f : v;
    }
  }
}

}  // namespace mote
