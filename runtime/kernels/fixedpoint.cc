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

// Sample values of the .tflite reference kernels' sigmoid table (sigmoid(i/24) in Q0.16, tuned
// for linear interpolation, so not exactly round(65536 * sigmoid(i/24))); bit-exact int16
// LOGISTIC/TANH results need these exact numbers.
const uint16_t kSigmoidQ16Table[256] = {
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149,
    40794, 41432, 42064, 42688, 43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369,
    47911, 48443, 48964, 49475, 49975, 50464, 50942, 51409, 51865, 52311, 52745, 53169,
    53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433,
    57724, 58007, 58280, 58544, 58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370,
    60565, 60753, 60935, 61110, 61279, 61441, 61599, 61750, 61896, 62036, 62172, 62302,
    62428, 62549, 62666, 62778, 62886, 62990, 63090, 63186, 63279, 63368, 63454, 63536,
    63615, 63691, 63765, 63835, 63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308,
    64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786,
    64816, 64845, 64873, 64900, 64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079,
    65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208, 65221, 65234, 65246, 65258,
    65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360, 65367,
    65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433,
    65438, 65442, 65445, 65449, 65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474,
    65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491, 65493, 65495, 65497, 65498,
    65500, 65501, 65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513,
    65514, 65515, 65516, 65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522,
    65523, 65523, 65524, 65524, 65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528,
    65528, 65528, 65529, 65529, 65529, 65529, 65530, 65530, 65530, 65530, 65531, 65531,
    65531, 65531, 65531, 65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533,
    65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534,
    65534, 65534, 65534, 65535,
};

}  // namespace mote
