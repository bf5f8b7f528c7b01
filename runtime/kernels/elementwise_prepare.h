// mote — prepare-time checks shared by the ADD, SUB and MUL ops (runtime/ops/{add,sub,mul}.cc).
//
// Not a kernel: these run once per op instance in prepare and report failures through the
// PrepareContext, naming the tensor, the rule and the numbers. The kernels themselves are in
// elementwise.h.
//
//   const TensorInfo *a, *b, *out;
//   MOTE_RETURN_IF_ERROR(check_binary_tensors(ctx, &a, &b, &out));   // counts, types, shapes
//   uint8_t act;
//   MOTE_RETURN_IF_ERROR(read_fused_activation(ctx, 0, &act));
//   MOTE_RETURN_IF_ERROR(check_quantized(ctx, *a));                 // int8 / int16 tensors
#pragma once

#include <stdint.h>

#include "runtime/op.h"

namespace mote {

// Two inputs and one output, all of one type among int8, int16, float32, int32; input shapes that
// broadcast, and an output shape equal to their broadcast (leading 1s aside).
Status check_binary_tensors(PrepareContext& ctx, const TensorInfo** a, const TensorInfo** b, const TensorInfo** out);
// Reads the fused activation byte at options field `field` (absent options: none). Only none,
// RELU, RELU_N1_TO_1 and RELU6 are accepted.
Status read_fused_activation(const PrepareContext& ctx, int field, uint8_t* act);
// A quantized int8/int16 tensor: at least one scale, scale > 0, zero point within the type.
Status check_quantized(const PrepareContext& ctx, const TensorInfo& t);
// [qmin, qmax] of an int8 or int16 type.
void quantized_limits(TensorType t, int32_t* qmin, int32_t* qmax);

}  // namespace mote
