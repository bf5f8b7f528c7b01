#include "runtime/kernels/fixedpoint.h"

#include <math.h>

namespace mote {

void lut_populate_s16(float (*f)(float), float input_scale, int32_t input_zero_point, float output_scale,
                      int32_t output_zero_point, int16_t* lut) {
  // Every operation below is single-precision and in the reference's order: the tables must come
  // out identical, not merely close.
  const float input_min = input_scale * static_cast<float>(INT16_MIN - input_zero_point);
  const float input_max = input_scale * static_cast<float>(INT16_MAX - input_zero_point);
  const float output_min = output_scale * static_cast<float>(INT16_MIN - output_zero_point);
  const float output_max = output_scale * static_cast<float>(INT16_MAX - output_zero_point);
  const int kSegments = kLutS16Size - 1;
  const float step = (input_max - input_min) / static_cast<float>(kSegments);
  const float half_step = step / 2.0f;
  const float inv_out = 65536.0f / (output_max - output_min);
  const float lo = -32768.0f, hi = 32767.0f;

  for (int i = 0; i < kSegments; ++i) {
    const float x = input_min + static_cast<float>(i) * step;
    const float value = f(x);
    const float value_mid = f(x + half_step);
    const float value_next = f(input_min + static_cast<float>(i + 1) * step);
    const float sample = roundf(value * inv_out);
    // Linear interpolation between this sample and the next one misses the true midpoint by
    // `mid_error`; shifting the sample by half of it splits the error between both ends.
    const float mid_interpolated = roundf((value_next * inv_out + sample) / 2.0f);
    const float mid_exact = roundf(value_mid * inv_out);
    const float bias = roundf((mid_interpolated - mid_exact) / 2.0f);
    float v = sample - bias;
    v = v < lo ? lo : (v > hi ? hi : v);
    lut[i] = static_cast<int16_t>(v);
  }
  float last = roundf(f(input_max) * inv_out);
  last = last < lo ? lo : (last > hi ? hi : last);
  lut[kSegments] = static_cast<int16_t>(last);
}

// sigmoid(i/24) in Q0.16, tuned for linear interpolation: see tools/gen_sigmoid_table.py.
const uint16_t kSigmoidQ16Table[256] = {
#include "runtime/kernels/sigmoid_table.inc"
};

}  // namespace mote
