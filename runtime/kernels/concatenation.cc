#include "runtime/kernels/concatenation.h"

#include <string.h>

namespace mote {

void concatenation(int32_t num_inputs, const void* const* inputs, const int32_t* copy_bytes, int32_t outer, void* out) {
  uint8_t* dst = static_cast<uint8_t*>(out);
  for (int32_t k = 0; k < outer; ++k) {
    for (int32_t i = 0; i < num_inputs; ++i) {
      const size_t n = static_cast<size_t>(copy_bytes[i]);
      if (n == 0) continue;
      memcpy(dst, static_cast<const uint8_t*>(inputs[i]) + static_cast<size_t>(k) * n, n);
      dst += n;
    }
  }
}

}  // namespace mote
