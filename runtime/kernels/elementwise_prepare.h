// mote — prepare-time checks and steps shared by the ADD, SUB and MUL ops (runtime/ops/{add,sub,mul}.cc).
//
// Not a kernel: these run once per op instance in prepare and report failures through the
// PrepareContext, naming the tensor, the rule and the numbers. The kernels themselves are in
// elementwise.h.
//
//   const TensorInfo *a, *b, *out;
//   uint8_t act;
//   BroadcastLoop loop;
//   MOTE_RETURN_IF_ERROR(prepare_binary(ctx, &a, &b, &out, &act, &loop));  // tensors, activation
//   AddSubQuantParams q;                                                     // int8 / int16:
//   MOTE_RETURN_IF_ERROR(prepare_add_sub_quant(ctx, *a, *b, *out, act, /*subtract=*/false, &q));
#pragma once

#include <stdint.h>

#include "runtime/kernels/elementwise.h"
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
// Clamp of fused activation `act` in the units of an int8 or int16 output.
void quantized_activation_range(const TensorInfo& out, uint8_t act, int32_t* act_min, int32_t* act_max);

// The common part of ADD, SUB and MUL prepare: check_binary_tensors, the fused activation at
// options field 0 (read_fused_activation) and the broadcast loop over the output.
Status prepare_binary(PrepareContext& ctx, const TensorInfo** a, const TensorInfo** b, const TensorInfo** out,
                      uint8_t* act, BroadcastLoop* loop);
// Quantized ADD (subtract false) or SUB: every tensor check_quantized, the multipliers of
// add_quant_params / sub_quant_params, and the clamp of `act`.
Status prepare_add_sub_quant(const PrepareContext& ctx, const TensorInfo& a, const TensorInfo& b,
                             const TensorInfo& out, uint8_t act, bool subtract, AddSubQuantParams* p);

}  // namespace mote
