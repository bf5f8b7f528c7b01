// mote trainer — random numbers that repeat bit for bit on every platform.
//
// Rng is PCG32 (O'Neill's permuted congruential generator, XSH-RR output, 64-bit state): the same
// seed gives the same sequence everywhere, independent of the C++ library (std::mt19937 would too,
// but std::uniform_real_distribution and std::normal_distribution are implementation-defined).
// Floats are built from the top 24 bits of a draw, so uniform() is exact and in [0, 1).
//
// hash_uniform(seed, stream, index) is counter-based: a value that depends only on its three
// arguments, so parallel code (dropout masks) draws the same numbers whatever thread computes them.
//
//   mote::train::Rng rng(42);
//   float u = rng.uniform();            // [0, 1)
//   float g = rng.normal();             // mean 0, standard deviation 1
//   uint32_t k = rng.below(10);         // 0..9, unbiased
#pragma once

#include <cstdint>
#include <vector>

namespace mote::train {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0, uint64_t stream = 0x9e3779b97f4a7c15ull);
  uint32_t next();
  float uniform();                       // [0, 1), multiples of 2^-24
  float uniform(float lo, float hi);     // lo + (hi - lo) * uniform()
  float normal();                        // Box-Muller on two uniforms, computed in double
  uint32_t below(uint32_t n);            // uniform in [0, n), n > 0 (rejection, no modulo bias)
  // Fisher-Yates shuffle of 0..n-1.
  std::vector<int> permutation(int n);
  // A new, independent generator (seeded from this one's next two draws).
  Rng split();

 private:
  uint64_t state_ = 0, inc_ = 1;
};

// splitmix64 finalizer of the three words: well-mixed 64 bits.
uint64_t hash64(uint64_t seed, uint64_t stream, uint64_t index);
// [0, 1) from hash64's top 24 bits.
inline float hash_uniform(uint64_t seed, uint64_t stream, uint64_t index) {
  return static_cast<float>(hash64(seed, stream, index) >> 40) * (1.0f / 16777216.0f);
}

}  // namespace mote::train
