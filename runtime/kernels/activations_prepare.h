// mote — prepare-time checks shared by the single-input ops RELU, RELU6, LEAKY_RELU, LOGISTIC,
// TANH, SOFTMAX, QUANTIZE, DEQUANTIZE, MEAN, the pooling ops, PAD and STRIDED_SLICE
// (runtime/ops/<stem>.cc), and the whole prepare of LOGISTIC and TANH.
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

#include "runtime/kernels/activations.h"
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

// check_unary_tensors, check_same_type, a type among float32, int8 and int16 (else fail_types),
// and for int8 / int16 check_per_tensor_quantized on the input and, if `output_quantized`, on the
// output (RELU6 ignores the output's quantization): what RELU, RELU6, LEAKY_RELU, LOGISTIC and
// TANH accept.
Status check_activation_tensors(const PrepareContext& ctx, const TensorInfo** in, const TensorInfo** out,
                                bool output_quantized);
// The output has the input's type, int8, int16 or float32 (pooling ops, MEAN): fails with "input
// type X differs from output type Y", then "type X not supported (int8, int16, float32)".
Status check_io_type_s8_s16_f32(const PrepareContext& ctx, const TensorInfo& in, const TensorInfo& out);
// The input's type is int8, int16, int32 or float32 and the output's the same (PAD,
// STRIDED_SLICE): fails with "type X not supported (...)", then "output type Y differs from input
// type X".
Status check_io_type_s8_s16_s32_f32(const PrepareContext& ctx, const TensorInfo& in, const TensorInfo& out);

// ---- LOGISTIC / TANH -------------------------------------------------------------------------

// Op data of LOGISTIC and TANH. `type`: the TensorType of input and output.
struct SigmoidOpData {
  int32_t type;
  int32_t count;
  SigmoidS8Params s8;
  SigmoidS16Params s16;
};

enum class SigmoidOp : uint8_t { kLogistic, kTanh };

// The whole prepare of LOGISTIC or TANH: float32; int8 (LOGISTIC: output zero point -128) with an
// input scale in [2^-28, 8); int16 with zero points 0, output scale 2^-15 and an input scale the
// s16 params accept. Requests and fills a SigmoidOpData.
Status prepare_sigmoid(PrepareContext& ctx, SigmoidOp op);

}  // namespace mote
