// mote — prepare-time checks shared by the single-input ops RELU, RELU6, LEAKY_RELU, LOGISTIC,
// TANH, SOFTMAX, QUANTIZE and DEQUANTIZE (runtime/ops/<stem>.cc).
//
// Not a kernel: these run once per op instance in prepare and report failures through the
// PrepareContext, naming the tensor, the rule and the numbers. The kernels are in activations.h,
// softmax.h and quantize.h.
//
//   const TensorInfo *in, *out;
//   MOTE_RETURN_IF_ERROR(check_unary_tensors(ctx, &in, &out));        // 1 in, 1 out, same size
//   MOTE_RETURN_IF_ERROR(check_per_tensor_quantized(ctx, *in));       // scale > 0, zp in range
#pragma once

#include <stdint.h>

#include "runtime/op.h"

namespace mote {

// Exactly one input and one output, both present, with the same number of elements.
Status check_unary_tensors(const PrepareContext& ctx, const TensorInfo** in, const TensorInfo** out);
// The output has the input's type (for ops whose kernels do not convert).
Status check_same_type(const PrepareContext& ctx, const TensorInfo& in, const TensorInfo& out);
// A quantized tensor: at least one scale, scale finite and > 0, zero point inside the type's range
// (int8, uint8, int16, int32).
Status check_per_tensor_quantized(const PrepareContext& ctx, const TensorInfo& t);
// The zero point must equal `expected`.
Status check_zero_point(const PrepareContext& ctx, const TensorInfo& t, int32_t expected);
// "unsupported type combination" failure naming both types.
Status fail_types(const PrepareContext& ctx, const TensorInfo& in, const TensorInfo& out);
// [min, max] of an integer tensor type (int8, uint8, int16, int32).
void integer_limits(TensorType t, int32_t* qmin, int32_t* qmax);

}  // namespace mote
