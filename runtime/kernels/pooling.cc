#include "runtime/kernels/pooling.h"

#include <stddef.h>

namespace mote {

namespace {

constexpr int32_t kBlock = 64;  // channels accumulated at once on the stack

// Valid taps of one output position along one axis: [*first, *last).
inline void taps(int32_t origin, int32_t filter, int32_t in, int32_t* first, int32_t* last) {
  const int32_t lo = origin < 0 ? -origin : 0;
  const int32_t hi = in - origin < filter ? in - origin : filter;
  *first = lo;
  *last = hi > lo ? hi : lo;
}

// Walks every output position and every block of channels; `step(acc, value)` folds one tap into
// an accumulator, `finish(acc, count)` produces the output element.
template <typename T, typename Acc, typename Step, typename Finish>
void pool(const PoolParams& p, const T* input, T* output, Acc init, Step step, Finish finish) {
  const int32_t depth = p.depth;
  const size_t row_stride = static_cast<size_t>(p.input_w) * depth;
  T* out = output;
  for (int32_t b = 0; b < p.batches; ++b) {
    const T* in_b = input + static_cast<size_t>(b) * p.input_h * row_stride;
    for (int32_t oy = 0; oy < p.output_h; ++oy) {
      const int32_t iy0 = oy * p.stride_h - p.pad_top;
      int32_t fy0, fy1;
      taps(iy0, p.filter_h, p.input_h, &fy0, &fy1);
      for (int32_t ox = 0; ox < p.output_w; ++ox) {
        const int32_t ix0 = ox * p.stride_w - p.pad_left;
        int32_t fx0, fx1;
        taps(ix0, p.filter_w, p.input_w, &fx0, &fx1);
        const int32_t count = (fy1 - fy0) * (fx1 - fx0);
        for (int32_t c0 = 0; c0 < depth; c0 += kBlock) {
          const int32_t n = depth - c0 < kBlock ? depth - c0 : kBlock;
          Acc acc[kBlock];
          for (int32_t i = 0; i < n; ++i) acc[i] = init;
          for (int32_t fy = fy0; fy < fy1; ++fy) {
            const T* row = in_b + static_cast<size_t>(iy0 + fy) * row_stride + c0;
            for (int32_t fx = fx0; fx < fx1; ++fx) {
              const T* src = row + static_cast<size_t>(ix0 + fx) * depth;
              for (int32_t i = 0; i < n; ++i) acc[i] = step(acc[i], src[i]);
            }
          }
          for (int32_t i = 0; i < n; ++i) out[c0 + i] = finish(acc[i], count);
        }
        out += depth;
      }
    }
  }
}

template <typename T>
void average_pool_int(const PoolParams& p, const T* input, T* output) {
  const int32_t lo = p.act_min, hi = p.act_max;
  pool<T, int32_t>(
      p, input, output, 0, [](int32_t a, T v) { return a + v; },
      [lo, hi](int32_t sum, int32_t count) {
        int32_t v = 0;
        if (count > 0) v = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
        v = v < lo ? lo : v;
        return static_cast<T>(v > hi ? hi : v);
      });
}

template <typename T>
void max_pool_int(const PoolParams& p, const T* input, T* output, T lowest) {
  const T lo = static_cast<T>(p.act_min), hi = static_cast<T>(p.act_max);
  pool<T, T>(
      p, input, output, lowest, [](T m, T v) { return m < v ? v : m; },
      [lo, hi](T m, int32_t) {
        m = m < lo ? lo : m;
        return m > hi ? hi : m;
      });
}

}  // namespace

void average_pool_s8(const PoolParams& p, const int8_t* input, int8_t* output) {
  average_pool_int<int8_t>(p, input, output);
}

void average_pool_s16(const PoolParams& p, const int16_t* input, int16_t* output) {
  average_pool_int<int16_t>(p, input, output);
}

void average_pool_f32(const PoolParams& p, const float* input, float* output) {
  const float lo = p.act_min_f, hi = p.act_max_f;
  pool<float, float>(
      p, input, output, 0.0f, [](float a, float v) { return a + v; },
      [lo, hi](float sum, int32_t count) {
        float v = sum / static_cast<float>(count);
        v = v < lo ? lo : v;
        return v > hi ? hi : v;
      });
}

void max_pool_s8(const PoolParams& p, const int8_t* input, int8_t* output) {
  max_pool_int<int8_t>(p, input, output, INT8_MIN);
}

void max_pool_s16(const PoolParams& p, const int16_t* input, int16_t* output) {
  max_pool_int<int16_t>(p, input, output, INT16_MIN);
}

void max_pool_f32(const PoolParams& p, const float* input, float* output) {
  const float lo = p.act_min_f, hi = p.act_max_f;
  pool<float, float>(
      p, input, output, -3.402823466e+38f, [](float m, float v) { return m < v ? v : m; },
      [lo, hi](float m, int32_t) {
        m = m < lo ? lo : m;
        return m > hi ? hi : m;
      });
}

}  // namespace mote
