#include "tests/support/quant_reference.h"

#include <cstdint>

namespace mote::testing {

void ref_quantize_multiplier(double real, int32_t* m, int32_t* shift) {
  if (real == 0.0) {
    *m = 0;
    *shift = 0;
    return;
  }
  int e = 0;
  const double q = std::frexp(real, &e);
  int64_t qf = static_cast<int64_t>(std::round(q * 2147483648.0));
  if (qf == (int64_t{1} << 31)) {
    qf /= 2;
    ++e;
  }
  if (e < -31) {
    qf = 0;
    e = 0;
  }
  *m = static_cast<int32_t>(qf);
  *shift = e;
}

int32_t ref_rescale32(int32_t x, int32_t m, int32_t shift) {
  const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  const int64_t xl = static_cast<int64_t>(static_cast<int32_t>(static_cast<uint32_t>(x) << left));
  int32_t high;
  if (xl == INT32_MIN && m == INT32_MIN) {
    high = INT32_MAX;
  } else {
    const int64_t prod = xl * m;
    const int64_t nudge = prod >= 0 ? (int64_t{1} << 30) : 1 - (int64_t{1} << 30);
    high = static_cast<int32_t>((prod + nudge) / (int64_t{1} << 31));
  }
  // Rounding shift, half away from zero, done on the magnitude.
  const int64_t mag = high < 0 ? -static_cast<int64_t>(high) : high;
  const int64_t q = (mag + ((int64_t{1} << right) >> 1)) >> right;
  return static_cast<int32_t>(high < 0 ? -q : q);
}

int32_t ref_rescale64(int64_t x, int32_t m, int32_t shift) {
  const int64_t reduced = m < 0x7FFF0000 ? (static_cast<int64_t>(m) + (1 << 15)) >> 16 : 0x7FFF;
  const int total = 15 - shift;
  return static_cast<int32_t>((x * reduced + (int64_t{1} << (total - 1))) >> total);
}

}  // namespace mote::testing
