#include "tests/support/op_test_util.h"

namespace mote::testing {

Shape shape_of(const std::vector<int32_t>& dims) {
  Shape s;
  s.rank = static_cast<int32_t>(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) s.dims[i] = dims[i];
  return s;
}

std::vector<int32_t> dims_of(const Shape& s) { return std::vector<int32_t>(s.dims, s.dims + s.rank); }

size_t elements_of(const std::vector<int32_t>& dims) {
  size_t n = 1;
  for (int32_t d : dims) n *= static_cast<size_t>(d);
  return n;
}

std::vector<float> random_floats(std::mt19937& rng, size_t n, float lo, float hi) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

}  // namespace mote::testing
