// LOGISTIC: 1 / (1 + exp(-x)). No options. Types (as the reference):
//   float32;
//   int8 with output zero point -128: the output is in 1/256 steps whatever its stated scale (the
//     reference assumes 1/256 and checks only the zero point); input scale in [2^-28, 8);
//   int16 with input and output zero point 0 and output scale 2^-15; the input scale is arbitrary
//     (power-of-two 2^-12 takes the exact fast path).
// Prepare is prepare_sigmoid (activations_prepare.h), shared with TANH.
#include "runtime/kernels/activations.h"
#include "runtime/kernels/activations_prepare.h"
#include "runtime/op.h"

namespace mote {
namespace {

Status prepare(PrepareContext& ctx) { return prepare_sigmoid(ctx, SigmoidOp::kLogistic); }

Status eval(const EvalContext& ctx) {
  const SigmoidOpData& d = *ctx.op_data<SigmoidOpData>();
  switch (static_cast<TensorType>(d.type)) {
    case TensorType::kInt8: logistic_s8(d.s8, d.count, ctx.input<int8_t>(0), ctx.output<int8_t>(0)); break;
    case TensorType::kInt16: logistic_s16(d.s16, d.count, ctx.input<int16_t>(0), ctx.output<int16_t>(0)); break;
    default: logistic_f32(d.count, ctx.input<float>(0), ctx.output<float>(0)); break;
  }
  return Status::kOk;
}

const OpRegistration kRegistration = {BuiltinOp::LOGISTIC, prepare, eval};

}  // namespace

const OpRegistration* op_logistic() { return &kRegistration; }

}  // namespace mote
