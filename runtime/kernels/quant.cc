#include "runtime/kernels/quant.h"

#include <string.h>

namespace mote {

namespace {
// frexp(): real = mantissa * 2^exp with mantissa in [0.5, 1). Finite, non-zero input only.
double split_exponent(double real, int* exp) {
  uint64_t bits;
  memcpy(&bits, &real, sizeof(bits));
  int raw = static_cast<int>((bits >> 52) & 0x7FF);
  if (raw == 0) {  // subnormal: scale into the normal range first
    double scaled = real * 18014398509481984.0;  // 2^54
    double m = split_exponent(scaled, exp);
    *exp -= 54;
    return m;
  }
  *exp = raw - 1022;
  bits = (bits & ~(uint64_t{0x7FF} << 52)) | (uint64_t{1022} << 52);
  double m;
  memcpy(&m, &bits, sizeof(m));
  return m;
}
}  // namespace

void quantize_multiplier(double real, int32_t* multiplier, int* shift) {
  if (real == 0.0 || real != real || real > 1e300 || real < -1e300) {
    *multiplier = 0;
    *shift = 0;
    return;
  }
  int exp = 0;
  const double q = split_exponent(real, &exp);
  int64_t q_fixed = static_cast<int64_t>(round_half_away(q * 2147483648.0));
  if (q_fixed == (int64_t{1} << 31)) {
    q_fixed /= 2;
    ++exp;
  }
  if (exp < -31) {
    exp = 0;
    q_fixed = 0;
  }
  *multiplier = static_cast<int32_t>(q_fixed);
  *shift = exp;
}

void activation_range_quantized(uint8_t activation, float scale, int32_t zero_point, int32_t qmin,
                                int32_t qmax, int32_t* act_min, int32_t* act_max) {
  auto quantize = [&](float f) -> int32_t {
    return zero_point + static_cast<int32_t>(round_half_away(f / scale));
  };
  int32_t lo = qmin, hi = qmax;
  switch (activation) {
    case 1:  // RELU
      lo = quantize(0.0f) > qmin ? quantize(0.0f) : qmin;
      break;
    case 2:  // RELU_N1_TO_1
      lo = quantize(-1.0f) > qmin ? quantize(-1.0f) : qmin;
      hi = quantize(1.0f) < qmax ? quantize(1.0f) : qmax;
      break;
    case 3:  // RELU6
      lo = quantize(0.0f) > qmin ? quantize(0.0f) : qmin;
      hi = quantize(6.0f) < qmax ? quantize(6.0f) : qmax;
      break;
    default: break;
  }
  *act_min = lo;
  *act_max = hi;
}

void activation_range_float(uint8_t activation, float* act_min, float* act_max) {
  const float kMax = 3.402823466e+38f;
  switch (activation) {
    case 1: *act_min = 0.0f; *act_max = kMax; break;
    case 2: *act_min = -1.0f; *act_max = 1.0f; break;
    case 3: *act_min = 0.0f; *act_max = 6.0f; break;
    default: *act_min = -kMax; *act_max = kMax; break;
  }
}

}  // namespace mote
