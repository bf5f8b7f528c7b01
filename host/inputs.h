// mote host library — the conformance input generator (../shared/conformance/README.md "Inputs").
//
// Sample k, input tensor i: the state starts at fmix32(k + 1 + 65536 * i) (the murmur3 finaliser,
// which mixes the small seeds), then one xorshift32 step (13/17/5) per element in row-major order,
// the value taken after the step:
//
//   int8  (int8_t)(x >> 24)      uint8  x >> 24      int16  (int16_t)(x >> 16)      int32  x
//   float32  (float)(lo + (hi - lo) * ((x >> 8) / 2^24)), computed in double: uniform in [lo, hi)
//
// The golden inputs input_<k>_<i>.bin for k = 0, 1, 2 are exactly these bytes. Float models have
// their own range (hello_world_float [0, 2π), ...); tools that do not know it use [-1, 1).
//
//   std::vector<uint8_t> in = mote::host::generate_input(mote::TensorType::kInt8, 490, 0, 0);
//   // in == the bytes of kws_ref_model/input_0_0.bin
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "runtime/interpreter.h"
#include "runtime/tensor.h"

namespace mote::host {

uint32_t fmix32(uint32_t h);
// One xorshift32 step: x ^= x << 13; x ^= x >> 17; x ^= x << 5.
uint32_t xorshift32(uint32_t x);

// Range of generated float inputs, [lo, hi).
struct FloatRange {
  double lo = -1.0;
  double hi = 1.0;
};

// `count` elements of `type` for sample k, input tensor i, as little-endian bytes. Throws HostError
// for types the generator does not define (only INT8, UINT8, INT16, INT32, FLOAT32 are).
std::vector<uint8_t> generate_input(mote::TensorType type, size_t count, int k, int i, FloatRange range = {});

// Writes generated sample k into every input of a prepared interpreter.
void fill_generated_inputs(mote::Interpreter& interp, int k, FloatRange range = {});

}  // namespace mote::host
