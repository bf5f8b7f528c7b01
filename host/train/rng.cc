#include "host/train/rng.h"

#include <cmath>
#include <utility>

namespace mote::train {

Rng::Rng(uint64_t seed, uint64_t stream) {
  inc_ = (stream << 1) | 1u;
  state_ = 0;
  next();
  state_ += seed;
  next();
}

uint32_t Rng::next() {
  const uint64_t old = state_;
  state_ = old * 6364136223846793005ull + inc_;
  const uint32_t xorshifted = static_cast<uint32_t>(((old >> 18) ^ old) >> 27);
  const uint32_t rot = static_cast<uint32_t>(old >> 59);
  return (xorshifted >> rot) | (xorshifted << ((32 - rot) & 31));
}

float Rng::uniform() { return static_cast<float>(next() >> 8) * (1.0f / 16777216.0f); }

float Rng::uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }

float Rng::normal() {
  // u1 in (0, 1] so the logarithm is finite.
  const double u1 = (static_cast<double>(next() >> 8) + 1.0) * (1.0 / 16777216.0);
  const double u2 = static_cast<double>(next() >> 8) * (1.0 / 16777216.0);
  return static_cast<float>(std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
}

uint32_t Rng::below(uint32_t n) {
  const uint32_t threshold = static_cast<uint32_t>(-n) % n;  // 2^32 mod n
  for (;;) {
    const uint32_t r = next();
    if (r >= threshold) return r % n;
  }
}

std::vector<int> Rng::permutation(int n) {
  std::vector<int> p(static_cast<size_t>(n > 0 ? n : 0));
  for (int i = 0; i < n; ++i) p[static_cast<size_t>(i)] = i;
  for (int i = n - 1; i > 0; --i) {
    const int j = static_cast<int>(below(static_cast<uint32_t>(i) + 1));
    std::swap(p[static_cast<size_t>(i)], p[static_cast<size_t>(j)]);
  }
  return p;
}

Rng Rng::split() {
  const uint64_t a = next(), b = next(), c = next(), d = next();
  return Rng((a << 32) | b, (c << 32) | d);
}

uint64_t hash64(uint64_t seed, uint64_t stream, uint64_t index) {
  auto mix = [](uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  };
  uint64_t h = mix(seed + 0x9e3779b97f4a7c15ull);
  h = mix(h ^ (stream + 0x632be59bd9b4e019ull));
  return mix(h ^ (index + 0x8cb92ba72f3d8dd7ull));
}

}  // namespace mote::train
