// mote kernels — CONCATENATION: join tensors along one axis.
//
// For inputs of shape [outer..., n_i, inner...] (all equal except at the axis) the output is
// [outer..., sum(n_i), inner...]. Viewed flat, the output is `outer` rounds of: copy n_0*inner
// elements of input 0, then n_1*inner of input 1, and so on. The copy is type-agnostic, so one
// kernel serves every element type: sizes are in bytes. Quantized inputs must already share the
// output's scale and zero point (checked in prepare), so no requantization happens here.
//
// Ownership: reads every input, writes all of `out` (which must not overlap any input).
//
//   const void* inputs[2] = {a, b};                 // a: [2, 3] int8, b: [2, 5] int8, axis 1
//   int32_t bytes[2] = {3, 5};                       // per input: n_i * inner * element size
//   concatenation(2, inputs, bytes, /*outer=*/2, out);   // out: [2, 8]
#pragma once

#include <stdint.h>

namespace mote {

void concatenation(int32_t num_inputs, const void* const* inputs, const int32_t* copy_bytes, int32_t outer, void* out);

}  // namespace mote
