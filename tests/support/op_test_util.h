// Small helpers the op and kernel tests share: shapes from dimension lists, element counts, and
// reproducible random data.
//
//   std::mt19937 rng(7);
//   std::vector<int8_t> x = random_ints<int8_t>(rng, elements_of({2, 3, 4}), -128, 127);
//   std::vector<float> w = random_floats(rng, 9, -1.0f, 1.0f);
//   plan_pad(shape_of({2, 3, 4, 5}), before, after, &plan);
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "runtime/tensor.h"

namespace mote::testing {

// A runtime Shape with these dimensions (rank = dims.size(), at most Shape's capacity).
Shape shape_of(const std::vector<int32_t>& dims);
// The dimensions of a Shape as a vector.
std::vector<int32_t> dims_of(const Shape& s);
// Number of elements of a tensor with these dimensions (1 for rank 0).
size_t elements_of(const std::vector<int32_t>& dims);

// Calls f(k, idx) for every element of a row-major tensor with these dimensions, in memory order:
// k the flat index, idx the multi-index (last dimension fastest). The naive references use it to
// decide each output element on its own.
template <typename F>
void for_each_index(const std::vector<int32_t>& dims, F f) {
  const size_t n = elements_of(dims);
  std::vector<int32_t> idx(dims.size(), 0);
  for (size_t k = 0; k < n; ++k) {
    f(k, static_cast<const std::vector<int32_t>&>(idx));
    for (size_t d = dims.size(); d-- > 0;) {
      if (++idx[d] < dims[d]) break;
      idx[d] = 0;
    }
  }
}

// n integers drawn uniformly from [lo, hi], as T.
template <typename T>
std::vector<T> random_ints(std::mt19937& rng, size_t n, int64_t lo, int64_t hi) {
  std::uniform_int_distribution<int64_t> dist(lo, hi);
  std::vector<T> v(n);
  for (T& x : v) x = static_cast<T>(dist(rng));
  return v;
}

// n integers drawn uniformly from T's whole range.
template <typename T>
std::vector<T> random_ints(std::mt19937& rng, size_t n) {
  return random_ints<T>(rng, n, std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
}

// n floats drawn uniformly from [lo, hi).
std::vector<float> random_floats(std::mt19937& rng, size_t n, float lo, float hi);

// How many different values v holds (a test's guard that its data really varies).
template <typename T>
int distinct_count(const std::vector<T>& v) {
  std::vector<T> s(v);
  std::sort(s.begin(), s.end());
  return static_cast<int>(std::unique(s.begin(), s.end()) - s.begin());
}

}  // namespace mote::testing
